"""Production settings: Django's deploy checks pass, HTTPS is enforced, cookies are locked down.

Run in a child process with ``DJANGO_SETTINGS_MODULE=shop.settings.production`` and the
secrets a production host provides through its environment."""

import json
import secrets
import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env
from tests.factories.accounts import UserFactory

HOST = "mall.example.cn"


def production_env(**extra):
    extra = {"REDIS_CACHE_URL": "redis://cache.internal:6379/0", **extra}
    return subprocess_env(
        DJANGO_SETTINGS_MODULE="shop.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        STRIPE_SECRET_KEY="sk_live_from_environment",
        STRIPE_WEBHOOK_SECRET="whsec_from_environment",
        **extra,
    )


def test_check_deploy_passes_at_warning_level():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY" in done.stderr


PROBE = r"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
user = get_user_model().objects.get(email="%(email)s")
user.set_password("pass-12345")  # hashed with the production hasher
user.save()
out = {}
plain = Client(HTTP_HOST="%(host)s")
r = plain.get("/accounts/login/")
out["http"] = [r.status_code, r.get("Location", "")]
c = Client(HTTP_HOST="%(host)s", HTTP_X_FORWARDED_PROTO="https")
r = c.get("/accounts/login/")
out["headers"] = {k: r.get(k, "") for k in ("Strict-Transport-Security", "Content-Security-Policy",
    "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy")}
csrf = r.cookies["csrftoken"]
out["csrf"] = {k: csrf[k] for k in ("secure", "httponly", "samesite")}
r = c.post("/accounts/login/", {"login-username": "%(email)s", "login-password": "pass-12345",
    "login_submit": "1", "csrfmiddlewaretoken": csrf.value}, HTTP_REFERER="https://%(host)s/accounts/login/")
out["login"] = [r.status_code, r.get("Location", "")]
s = r.cookies.get("sessionid")
out["session"] = {k: s[k] for k in ("secure", "httponly", "samesite")} if s else None
print("PROBE" + json.dumps(out))
"""


@pytest.mark.django_db(transaction=True)
def test_production_forces_https_sends_hsts_and_secure_cookies():
    # given a buyer account, and the site started with production settings behind a TLS proxy
    user = UserFactory(email="prod-probe@example.com")
    done = subprocess.run(
        [sys.executable, "-c", PROBE % {"host": HOST, "email": user.email}],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.split("PROBE", 1)[1])
    # then plain HTTP is redirected to HTTPS
    assert out["http"] == [301, f"https://{HOST}/accounts/login/"]
    # and every response carries HSTS and the other security headers
    h = out["headers"]
    assert h["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"
    # and the CSRF cookie is Secure and SameSite; the session cookie also HttpOnly
    assert out["csrf"] == {"secure": True, "httponly": "", "samesite": "Lax"}
    assert out["login"][0] == 302, out
    assert out["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}


SETTINGS_PROBE = "import json; from django.conf import settings as s; print('PROBE' + json.dumps({k: str(getattr(s, k)) for k in %r}))"


def _import_settings(env, *names):
    return subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE % (list(names),)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("DJANGO_SECRET_KEY", None, "DJANGO_SECRET_KEY is not set"),
        ("DJANGO_SECRET_KEY", "", "DJANGO_SECRET_KEY is not set"),
        ("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me", "DJANGO_SECRET_KEY is the development"),
        ("STRIPE_WEBHOOK_SECRET", None, "STRIPE_WEBHOOK_SECRET is not set"),
        ("STRIPE_WEBHOOK_SECRET", "  ", "STRIPE_WEBHOOK_SECRET is not set"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_localstripe", "STRIPE_WEBHOOK_SECRET is the development"),
    ],
)
def test_production_settings_refuse_a_missing_or_fake_secret(name, value, message, tmp_path):
    # given production settings with one secret missing or left at the dev / localstripe default
    env = production_env(DJANGO_ENV_FILE=tmp_path / "none.env")
    if value is None:
        del env[name]
    else:
        env[name] = value
    # when the settings are imported
    done = _import_settings(env, "SECRET_KEY")
    # then start-up stops with ImproperlyConfigured naming the variable
    assert done.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: " + message in done.stderr
    assert "PROBE" not in done.stdout


def test_production_settings_use_the_secrets_from_the_environment(tmp_path):
    # given real-looking secrets in the environment
    env = production_env(DJANGO_ENV_FILE=tmp_path / "none.env")
    env.update(DJANGO_SECRET_KEY="k" * 60, STRIPE_WEBHOOK_SECRET="whsec_real_0123")
    # when the production settings are imported
    done = _import_settings(env, "SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "DEBUG")
    # then they start with exactly those values and DEBUG off
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.split("PROBE", 1)[1])
    assert out == {"SECRET_KEY": "k" * 60, "STRIPE_WEBHOOK_SECRET": "whsec_real_0123", "DEBUG": "False"}


def test_var_dir_and_secrets_are_read_from_the_env_file(tmp_path):
    # given a .env file naming VAR_DIR and the secrets, and none of them in the environment
    env_file = tmp_path / "prod.env"
    env_file.write_text(
        f"VAR_DIR={tmp_path / 'state'}\nDJANGO_SECRET_KEY={'s' * 60}\nSTRIPE_WEBHOOK_SECRET=whsec_from_file\n"
    )
    env = production_env(DJANGO_ENV_FILE=env_file)
    for name in ("VAR_DIR", "DJANGO_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STATIC_ROOT"):
        env.pop(name, None)
    # when the production settings are imported
    done = _import_settings(env, "VAR_DIR", "STATIC_ROOT", "STRIPE_WEBHOOK_SECRET")
    # then VAR_DIR (and what derives from it) and the secrets come from the file
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.split("PROBE", 1)[1])
    assert out == {
        "VAR_DIR": str(tmp_path / "state"),
        "STATIC_ROOT": str(tmp_path / "state" / "static"),
        "STRIPE_WEBHOOK_SECRET": "whsec_from_file",
    }


@pytest.mark.parametrize(
    "broker,cache,message",
    [
        ("redis://redis.internal:6379/0", None, "REDIS_CACHE_URL is not set"),
        (
            "redis://redis.internal:6379/0",
            "redis://redis.internal:6379/1",
            "REDIS_CACHE_URL names the broker's",
        ),
        (
            "redis+socket:///run/redis.sock",
            "unix:///run/redis.sock?db=2",
            "REDIS_CACHE_URL names the broker's",
        ),
    ],
)
def test_production_refuses_a_cache_on_the_brokers_redis(broker, cache, message, tmp_path):
    # given production settings whose cache is missing or on the broker's server (another db index)
    env = production_env(DJANGO_ENV_FILE=tmp_path / "none.env", REDIS_URL=broker)
    env.pop("CELERY_BROKER_URL", None)
    if cache is None:
        del env["REDIS_CACHE_URL"]
    else:
        env["REDIS_CACHE_URL"] = cache
    # when the settings are imported
    done = _import_settings(env, "CACHES")
    # then start-up stops: a full cache would make the broker refuse tasks
    assert done.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: " + message in done.stderr


def test_production_takes_a_cache_on_a_redis_of_its_own(tmp_path):
    env = production_env(
        DJANGO_ENV_FILE=tmp_path / "none.env",
        REDIS_URL="redis://broker.internal:6379/0",
        REDIS_CACHE_URL="redis://cache.internal:6379/0",
    )
    env.pop("CELERY_BROKER_URL", None)
    done = _import_settings(env, "CELERY_BROKER_URL")
    assert done.returncode == 0, done.stderr
    assert '"CELERY_BROKER_URL": "redis://broker.internal:6379/0"' in done.stdout
