"""Speech and transcripts: the whisper model, the transcript file, captions and the expert's review."""
