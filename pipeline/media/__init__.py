"""Media: probe a clip, plan its processing, run ffmpeg, choose a poster."""
