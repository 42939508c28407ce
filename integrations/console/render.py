"""Showing neutral messages in a terminal with rich; buttons and select options become numbered choices."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from core.messages import Button, Message

_MENTION = re.compile(r"<@([A-Za-z0-9_.-]{1,64})>")
_CODE = re.compile(r"`([^`\n]+)`")  # Markdown inline code


@dataclass(slots=True)
class Choice:
    """A numbered thing the person can pick by typing its number."""

    custom_id: str
    label: str
    value: str | None = None  # set for select options


@dataclass(slots=True)
class Screen:
    """The terminal, plus the choices currently on offer. With `out_dir`, every file the bot sends (a chart, an
    export, a settings file) is written there and its path shown, as a chat client offers a download. `muted`
    prints nothing (while the demo's history is played)."""

    console: Console
    choices: list[Choice] = field(default_factory=list)
    name_of: Callable[[str], str | None] = field(default=lambda _user_id: None)
    out_dir: Path | None = None
    muted: bool = False

    def line(self, text: str, style: str = "") -> None:
        if self.muted:
            return
        self.console.print(escape(text), style=style or None, soft_wrap=True)

    def rich(self, text: str) -> str:
        """Message text as the terminal shows it: mentions as names, Markdown's `code` styled (Discord and Slack
        render it; a terminal would print the backticks)."""
        return _CODE.sub(r"[bold]\1[/bold]", escape(self.mentions(text)))

    def mentions(self, text: str) -> str:
        """Mention tokens (`<@user_id>`) as a chat client shows them: `@name`."""
        return _MENTION.sub(lambda m: "@" + (self.name_of(m.group(1)) or m.group(1)), text)

    def message(self, header: str, message: Message) -> None:
        if self.muted:
            return
        body: list[str] = []
        if message.title:
            body.append(f"[bold]{self.rich(message.title)}[/bold]")
        if message.text:
            body.append(self.rich(message.text))
        for f in message.fields:
            body.append(f"[cyan]{self.rich(f.name)}[/cyan]: {self.rich(f.value)}")
        for a in message.files:
            saved = self.save(a.filename, a.data)
            where = f" → {escape(str(saved))}" if saved else ""
            body.append(f"[magenta]📎 {escape(a.filename)}[/magenta]{where} ({len(a.data)} bytes)")
        for b in message.buttons:
            body.append(self._offer(Choice(b.custom_id, b.label)))
        for s in message.selects:
            body.append(escape(s.placeholder or "Choose:"))
            for o in s.options:
                body.append("  " + self._offer(Choice(s.custom_id, o.label, o.value)))
        self.console.print(Panel("\n".join(body) or " ", title=escape(header), title_align="left", expand=False))

    def save(self, filename: str, data: bytes) -> Path | None:
        """Write a file the bot sent into `out_dir` (never over an earlier one: `name-2.ext`, ...); its path, or
        None without an output folder or when it cannot be written (said on the screen)."""
        if self.out_dir is None:
            return None
        name = Path(filename).name.lstrip(".") or "file"  # only a plain name: a file stays inside the folder
        path = self.out_dir / name
        stem, suffix, n = path.stem, path.suffix, 1
        while path.exists():
            n += 1
            path = self.out_dir / f"{stem}-{n}{suffix}"
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as exc:
            self.console.print(escape(f"Could not write {path}: {exc.strerror or exc}"), style="red")
            return None
        return path

    def _offer(self, choice: Choice) -> str:
        self.choices.append(choice)
        return f"[yellow][{len(self.choices)}][/yellow] {escape(choice.label)}"

    def pick(self, number: int) -> Choice | None:
        if 1 <= number <= len(self.choices):
            return self.choices[number - 1]
        return None


def button_labels(buttons: list[Button]) -> list[str]:
    return [b.label for b in buttons]
