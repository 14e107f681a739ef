# Copyright (c) oauthkit.github contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY: kept in sync with plugins/module_utils/_argspec.py connection() (validate-modules compares them).

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - The root of the GitHub REST API, for GitHub Enterprise Server C(https://HOST/api/v3).
      - github.com removed the OAuth Authorizations API on 2020-11-13, so this must be a GitHub Enterprise Server
        (or a stand-in such as the collection's test emulator). C(github.com) and its subdomains are refused before any request,
        whatever supplied the URL, so that no credentials are sent there.
      - If not set, the environment variable E(OAUTHKIT_GITHUB_API_URL) is used, then E(GITHUB_API_URL). GitHub Actions sets
        E(GITHUB_API_URL) in every job, so set the collection's own variable (or this option) in such a job.
      - The environment is the controller's, with the task's C(environment) keyword merged over it.
    type: str
    required: true
  username:
    description:
      - The GitHub login that owns the authorizations. It authenticates with Basic authentication.
      - If not set, the environment variable E(OAUTHKIT_GITHUB_USERNAME) is used, then E(GITHUB_USERNAME).
    type: str
    required: true
  password:
    description:
      - The account's password. Keep it in ansible-vault, or in an AWX credential.
      - If not set, the environment variable E(OAUTHKIT_GITHUB_PASSWORD) is used, then E(GITHUB_PASSWORD).
      - After GitHub rejects the password (or locks the account), no other task of the same playbook run sends it again for this
        O(api_url) and O(username); they fail at once, naming the first failure, so that a fleet cannot lock the account out.
    type: str
    required: true
  otp_secret:
    description:
      - The base32 TOTP seed of the account's two-factor authentication (authenticator app), as shown when 2FA was set up.
        Spaces and lower case are accepted. Keep it in ansible-vault.
      - The module computes a fresh code just before each request and sends it in the C(X-GitHub-OTP) header.
        When GitHub rejects a code, the module waits for the next 30-second step (at most about 32 seconds) and retries once.
      - Mutually exclusive with O(otp).
      - If not set, the environment variable E(OAUTHKIT_GITHUB_OTP_SECRET) is used, then E(GITHUB_OTP_SECRET).
    type: str
  otp:
    description:
      - A one-time code given by hand, for accounts that receive their codes by SMS. Quote it, so that YAML keeps a leading zero.
      - GitHub sends the SMS only when a POST or PUT reaches the Authorizations API. A first run without O(otp) triggers the SMS
        and fails with a message saying so; run again with the code.
      - Mutually exclusive with O(otp_secret).
    type: str
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. Set V(false) only for tests.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file on the controller with the CA certificate(s) that signed the server's certificate, for a GitHub Enterprise Server
        with a private CA.
      - If not set, the environment variable E(OAUTHKIT_GITHUB_CA_PATH) is used (the AWX credential type's file injector sets it).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP response.
      - Also bounds the wait for the lock of O(ignore:token_path) where a module has that option.
    type: float
    default: 30
  retries:
    description:
      - How many times one request is retried after a connection error, a 500, 502, 503 or 504 answer, a timeout or a dropped
        connection, or a rate limit that resets within O(rate_limit_wait). Backoff is exponential with jitter.
      - A request that may have reached GitHub is retried only when it is idempotent, never the token reset. One that got no
        answer (a timeout, a dropped connection) is retried only once these credentials have been accepted in the run, so that
        a slow "Bad credentials" never becomes several failed logins; a 500, 502, 503 or 504 answer is no refused login.
      - 400, 401, 404, 410 and 422 answers are never retried, nor is any other 403, such as GitHub's lockout of password
        logins after failed attempts, which every retry would extend, nor a failed TLS verification.
      - All attempts of one request, their waits and the wait for a two-factor step end within
        O(rate_limit_wait) + 32 + (O(timeout) + 8) * (O(retries) + 1) seconds.
      - V(0) turns retries off.
    type: int
    default: 3
  rate_limit_wait:
    description:
      - The longest wait, in seconds, for a rate limit to reset before a request is retried.
      - GitHub's primary limit (C(X-RateLimit-Remaining) 0) is waited for until C(X-RateLimit-Reset) plus 1 s; a secondary
        limit for its C(Retry-After), or 60 s when the answer gives neither header (a 429, or a 403 whose message says it
        is a rate limit or an abuse limit). Each wait counts as one of the O(retries).
      - A limit that resets later fails the task at once, with the reset time in the message.
      - GitHub Enterprise Server has rate limits off by default; administrators can turn them on.
    type: float
    default: 60
requirements:
  - On the controller (or in the execution environment), not on managed hosts - requests >= 2.25, urllib3 >= 1.26,
    and pyotp >= 2.6 when O(otp_secret) is used.
"""
