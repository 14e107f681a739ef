"use strict";
// Runs the seed's own client, @octokit/rest 16.43.2, against a live emulator.
// Input (environment): EMULATOR_URL (API root, e.g. http://127.0.0.1:PORT/api/v3), GITHUB_USERNAME, GITHUB_PASSWORD,
// GITHUB_OTP (a current TOTP code), CLIENT_ID, CLIENT_SECRET, FINGERPRINT.
// Output: one JSON line with the status, token and hashed_token of each call, for the pytest test to check.
const { Octokit } = require("@octokit/rest");

const env = process.env;
const quiet = { debug() {}, info() {}, warn() {}, error: console.error };

async function main() {
  const octokit = new Octokit({
    baseUrl: env.EMULATOR_URL,
    auth: {
      username: env.GITHUB_USERNAME,
      password: env.GITHUB_PASSWORD,
      on2fa: async () => {
        throw new Error("the emulator asked for a 2FA code although x-github-otp was sent");
      },
    },
    log: quiet,
    userAgent: "github-emulator-node-test",
  });
  const headers = { "x-github-otp": env.GITHUB_OTP };
  const common = { client_id: env.CLIENT_ID, client_secret: env.CLIENT_SECRET, scopes: ["repo", "read:org"], note: "node client", headers };
  const calls = [];
  const record = (name, response) =>
    calls.push({
      name,
      status: response.status,
      location: response.headers.location || null,
      token: response.data.token,
      hashed_token: response.data.hashed_token,
      token_last_eight: response.data.token_last_eight,
      fingerprint: response.data.fingerprint,
      id: response.data.id,
    });
  for (let round = 0; round < 2; round += 1) {
    record("app", await octokit.oauthAuthorizations.getOrCreateAuthorizationForApp(common));
  }
  for (let round = 0; round < 2; round += 1) {
    record(
      "fingerprint",
      await octokit.oauthAuthorizations.getOrCreateAuthorizationForAppAndFingerprint({ ...common, fingerprint: env.FINGERPRINT })
    );
  }
  process.stdout.write(JSON.stringify(calls) + "\n");
}

main().catch((error) => {
  console.error(`node client failed: ${error.status || ""} ${error.message}`);
  process.exit(1);
});
