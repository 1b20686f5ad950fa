from django.core.management.base import BaseCommand, CommandError

from simulator import faults


class Command(BaseCommand):
    help = (
        "Make the simulator misbehave: simulator_fault METHOD KIND [--delay S] [--times N] "
        "[--probability P] [--reply TEXT] [--size BYTES]; --list shows faults, --clear "
        "removes them all. "
        f"Methods: * or {', '.join(faults.METHODS)}. Kinds: {', '.join(faults.KINDS)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("method", nargs="?", help='a gateway method, or "*" for all')
        parser.add_argument("kind", nargs="?", choices=faults.KINDS)
        parser.add_argument("--delay", type=float, default=0.0, help="seconds (slow, hang, drip)")
        parser.add_argument("--times", type=int, default=None, help="only the next N calls")
        parser.add_argument("--probability", type=float, default=1.0, help="0 to 1")
        parser.add_argument("--reply", default="", help='what a "sentence" fault answers')
        parser.add_argument("--size", type=int, default=None, help='bytes of a "huge" reply')
        parser.add_argument("--clear", action="store_true", help="remove every fault")
        parser.add_argument(
            "--list", action="store_true", dest="show", help="show the active faults"
        )

    def handle(self, *args, method, kind, clear, show, **options):
        if clear:
            self.stdout.write(f"Cleared {faults.clear()} fault(s).")
        if method or kind:
            if not (method and kind):
                raise CommandError("Give both METHOD and KIND.")
            try:
                fault = faults.inject(
                    method,
                    kind,
                    delay=options["delay"],
                    times=options["times"],
                    probability=options["probability"],
                    reply=options["reply"],
                    size=options["size"],
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Injected: {fault}.")
        elif not (clear or show):
            raise CommandError("Give METHOD and KIND, or --clear, or --list.")
        if show:
            self._show()

    def _show(self):
        active = faults.active()
        if not active:
            self.stdout.write("No faults: the simulator behaves.")
        for fault in active:
            reply = f" reply={fault.reply!r}" if fault.reply else ""
            self.stdout.write(
                f"#{fault.id} {fault}, delay {fault.delay}s, probability {fault.probability}"
                + reply
            )
