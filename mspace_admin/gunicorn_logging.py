"""gunicorn's own log lines, masked like ours.

gunicorn writes its access and error logs itself, outside Django's LOGGING. The simulator's
URLs carry `password=...` (as the real gateway's do), so the same masking filter is attached
to gunicorn's handlers. Used by `logger_class` in gunicorn.conf.py.
"""

from gunicorn.glogging import Logger

from mspace_admin.logging import MaskGatewayPasswords, mask


class MaskedLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(MaskGatewayPasswords())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask(v) if isinstance(v, str) else v for key, v in atoms.items()}
