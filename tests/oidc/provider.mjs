// A real OpenID provider (oidc-provider from npm) on loopback, for the single sign-on tests
// (tests/app/sso.rs). It listens on a free port of 127.0.0.1 and prints one line,
// `listening http://127.0.0.1:PORT`, once it answers. Settings come from the environment:
//   OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET, OIDC_TEST_REDIRECT_URI: the one client;
//   OIDC_TEST_ACCOUNTS: JSON list of {"email": …, "name": …}, the people it knows.
// Sign-in is a minimal interaction: /interaction/:uid shows a form asking for an email address
// (no password: the tests are about Standards Desk, not the provider's own login), and consent
// is given for the registered client.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

// The test reads only the first line; a closed pipe must not end the provider.
process.stdout.on('error', () => {});

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};
const clientId = env('OIDC_TEST_CLIENT_ID');
const clientSecret = env('OIDC_TEST_CLIENT_SECRET');
const redirectUri = env('OIDC_TEST_REDIRECT_URI');
const accounts = JSON.parse(env('OIDC_TEST_ACCOUNTS'));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['standards-desk-test-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The claims of the scopes asked for go in the ID token too (Entra ID does the same with
  // optional claims), not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = accounts.find((a) => a.email === sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: true, name: account.name };
      },
    };
  },
  // Consent is given for the one registered client (as an organisation's own application is).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    res.writeHead(400).end('wrong interaction');
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Test provider sign-in</title><form method="post" action="/interaction/${escape(uid)}/login">` +
        `<label>Email <input name="email"></label><button>Sign in</button></form>`,
    );
    return;
  }
  if (action !== 'login') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  const email = new URLSearchParams(body).get('email') || '';
  if (!accounts.some((a) => a.email === email)) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Test provider sign-in</title><p>No such account: ${escape(email)}</p>`);
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
server.on('request', (req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/([a-z]+))?(?:\?.*)?$/.exec(req.url);
  if (!match) {
    callback(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((err) => {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
  });
});

console.log(`listening ${issuer}`);
