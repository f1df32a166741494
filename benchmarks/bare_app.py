"""The yardstick of benchmark U1: a bare Textual app with a header and a footer, nothing else."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header


class Bare(App[None]):
    TITLE = "bare textual app"
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Footer()


if __name__ == "__main__":
    Bare().run()
