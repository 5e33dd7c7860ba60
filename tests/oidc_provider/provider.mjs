// A real OpenID provider for the tests: panva's oidc-provider, certified by the OpenID Foundation.
// Usage: node provider.mjs CONFIG.json. The configuration names the port, the signing keys (private
// JWKs, published without their private parts at jwks_uri), the clients (client-credentials only)
// and the resource servers: each an audience, its scopes and the algorithm its JWT access tokens
// are signed with. A token request names its resource server with `resource` (RFC 8707).
import { readFileSync } from 'node:fs';
import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  jwks: { keys: config.keys },
  scopes: ['openid', ...new Set(config.clients.flatMap((client) => client.scope.split(' ')))],
  clients: config.clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: client.scope,
  })),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.default_resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resourceIndicator) => {
        const server = config.resources[resourceIndicator];
        if (!server) throw new errors.InvalidTarget();
        return {
          audience: server.audience,
          scope: server.scope,
          accessTokenFormat: 'jwt',
          accessTokenTTL: server.ttl ?? 600,
          jwt: { sign: { alg: server.alg } },
        };
      },
    },
  },
});

provider.listen(config.port, '127.0.0.1', () => console.log(`listening on ${issuer}`));
process.on('SIGTERM', () => process.exit(0));
