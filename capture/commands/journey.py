"""``capture journey``: scaffold a journey for a role, show one as a tree."""

from __future__ import annotations

import typer
from rich.tree import Tree

from capture.app import app, console, user_errors, user_text, workspace

journey_app = typer.Typer(help="Plan journeys: from not knowing, to knowing, to doing.", no_args_is_help=True)
app.add_typer(journey_app, name="journey")


@journey_app.command("new")
def new(
    role: str = typer.Option(..., "--role", help="The role the journey serves (an id under roles: in resources.yaml)."),
    journey_id: str | None = typer.Option(None, "--id", help="The journey's id and file name (default: ROLE-journey)."),
    title: str | None = typer.Option(None, "--title", help="The journey's title (default: from the role's name)."),
) -> None:
    """Write journeys/ID.yaml from the role's tagged resources, by level, prerequisites first."""
    from pipeline.workspace.catalogue import read_catalogue
    from pipeline.workspace.journeys import create_journey, load_journey

    with user_errors():
        ws = workspace()
        catalogue = read_catalogue(ws.catalogue_path)
        path = create_journey(ws.journeys_dir, catalogue, role, journey_id=journey_id, title=title)
        journey = load_journey(ws.journeys_dir, path.stem)
    steps = len(journey.steps())
    console.print(f"Wrote {ws.relative(path)} with {steps} step{'s' * (steps != 1)} for {role}.")
    console.print("Next: set its goal, add practice notes, then [bold]capture check[/].")


@journey_app.command("show")
def show(journey_id: str = typer.Argument(..., help="The journey's id (its file name in journeys/).")) -> None:
    """Print a journey as a tree: stages, steps, practice notes."""
    from pipeline.workspace.catalogue import LEVELS, read_catalogue
    from pipeline.workspace.journeys import load_journey

    with user_errors():
        ws = workspace()
        catalogue = read_catalogue(ws.catalogue_path)
        journey = load_journey(ws.journeys_dir, journey_id)
    heading = f"[bold]{user_text(journey.title)}[/] [dim]({user_text(', '.join(journey.roles) or 'no role')})[/]"
    tree = Tree(heading)
    if journey.goal:
        tree.add(f"goal: {user_text(journey.goal)}")
    for level in LEVELS:
        steps = journey.stages.get(level, [])
        stage = tree.add(f"[bold]{level}[/] ({len(steps)} step{'s' * (len(steps) != 1)})")
        for step in steps:
            resource = catalogue.find(step.id)
            if resource is None:
                node = stage.add(f"[red]{user_text(step.id)}: unknown resource id[/]")
            else:
                tag = f" [dim]{resource.level}[/]" if resource.level and resource.level != level else ""
                node = stage.add(f"{user_text(resource.title)} [dim]({user_text(resource.id)})[/]{tag}")
            if step.practice:
                node.add(f"[italic]practice:[/] {user_text(step.practice)}")
    console.print(tree)
