"""E-mail to a mail server that insists on STARTTLS and AUTH (aiosmtpd with a certificate made
for the test): fieldd upgrades the connection before it logs in, verifies the server's
certificate against FIELDD_SMTP_CA, and the message arrives; a wrong password leaves the
notice queued for a retry with the server's refusal as its reason, and nothing arrives.
A delivery configuration that cannot work stops `fieldd serve` with a message naming it.
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import support  # noqa: E402
from outbox_support import delivery_env, wait_for  # noqa: E402

USER, PASSWORD = "fieldd@mail.test", "smtp-pass-7Hq2"
TMP = SERVER = None


def setUpModule():
    global TMP, SERVER
    import ssl
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    TMP = tempfile.mkdtemp(prefix="fieldd-smtp-")
    cert, key = os.path.join(TMP, "cert.pem"), os.path.join(TMP, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)

    class Server:
        def __init__(self):
            self.messages, self.logins, self.plain_logins = [], [], 0

    srv = Server()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
        srv.logins.append((auth_data.login.decode(), ok, session.ssl is not None))
        return AuthResult(success=ok)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            srv.messages.append((session.auth_data, envelope))
            return "250 OK"

    port = harness.free_port()
    srv.ctl = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=ctx,
                         require_starttls=True, auth_required=True, auth_require_tls=True,
                         authenticator=authenticator)
    srv.ctl.start()
    srv.url = "smtp://127.0.0.1:%d" % port
    srv.cert = cert
    SERVER = srv


def tearDownModule():
    if SERVER:
        SERVER.ctl.stop()
    if TMP:
        subprocess.run(["rm", "-rf", TMP])


def queue(st, rcpt):
    return int(st.sql("INSERT INTO notifications (recipient_kind, recipient_id, recipient,"
                      " channel, template, payload) VALUES ('customer', 1, '%s', 'email',"
                      " 'survey', '{}') RETURNING id" % rcpt).split()[0])


class StartTlsAuth(unittest.TestCase):
    def test_login_after_starttls_then_wrong_password(self):
        env = delivery_env(None, None, FIELDD_SMTP_URL=SERVER.url, FIELDD_SMTP_USER=USER,
                           FIELDD_SMTP_PASSWORD=PASSWORD, FIELDD_SMTP_CA=SERVER.cert)
        st = support.Stack(env=env)
        try:
            nid = queue(st, "one@customer.test")
            wait_for(lambda: any("one@customer.test" in e.rcpt_tos for _, e in SERVER.messages),
                     "the e-mail over STARTTLS")
            self.assertEqual(SERVER.logins, [(USER, True, True)])
            wait_for(lambda: st.sql("SELECT status FROM notifications WHERE id = %d" % nid)
                     == "sent", "sent recorded")
            self.assertNotIn(PASSWORD, st.server.log_text())
        finally:
            st.close()
        # the same server, a wrong password: refused, retried later, never logged
        env["FIELDD_SMTP_PASSWORD"] = "wrong-password-x"
        st = support.Stack(env=env)
        try:
            nid = queue(st, "two@customer.test")
            row = wait_for(lambda: (lambda r: r.startswith("queued|1|") and len(r) > 9 and r)(
                st.sql("SELECT status || '|' || attempts || '|' || coalesce(last_error, '')"
                       " FROM notifications WHERE id = %d" % nid)), "the refusal recorded")
            self.assertIn("smtp:", row)
            self.assertNotIn("wrong-password-x", row)
            self.assertFalse(any("two@customer.test" in e.rcpt_tos for _, e in SERVER.messages))
            self.assertNotIn("wrong-password-x", st.server.log_text())
        finally:
            st.close()


class BadConfiguration(unittest.TestCase):
    def test_serve_refuses_an_unsigned_webhook_and_bad_numbers(self):
        st = support.Stack(serve=False)
        try:
            for env, words in (({"FIELDD_WEBHOOK_URL": "https://gw.example/hook"},
                                "FIELDD_WEBHOOK_SECRET"),
                               ({"FIELDD_SMTP_URL": "mail.example:25"}, "smtp://"),
                               ({"FIELDD_DELIVERY_ATTEMPTS": "zero"}, "FIELDD_DELIVERY_ATTEMPTS"),
                               ({"FIELDD_DELIVERY_LEASE": "5", "FIELDD_DELIVERY_TIMEOUT": "10"},
                                "FIELDD_DELIVERY_LEASE")):
                srv = harness.Server(st.url, env=env)
                try:
                    srv.proc.wait(30)
                    self.assertNotEqual(srv.proc.returncode, 0, env)
                    self.assertIn(words, srv.log_text())
                finally:
                    srv.close()
        finally:
            st.close()


if __name__ == "__main__":
    harness.main()
