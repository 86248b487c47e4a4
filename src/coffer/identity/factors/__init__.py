"""Sign-in factors shared by operators (console) and customers' users (wallet app):
passwords (:mod:`.passwords`), TOTP and recovery codes (:mod:`.totp`, :mod:`.service`),
passkeys (:mod:`.passkeys`), rate limits and lockout (:mod:`.throttle`)."""
