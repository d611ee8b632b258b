import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, tokenMatches } from '../../libs/http/auth.ts';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * bull-board at /admin/queues, behind the admin token. A browser cannot send
 * a bearer header by itself, so the board also takes HTTP Basic auth with the
 * admin token as the password (any user name): the browser's own login
 * prompt opens it. Scripts keep using `Authorization: Bearer <token>`.
 * Without a configured token the board is closed (403), like every admin route.
 */
export function queueBoard(options: { queues: Queue[]; adminToken: string | undefined }): FastifyPluginAsync {
  return async (app) => {
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({ queues: options.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter });
    await app.register(
      async (board) => {
        board.addHook('onRequest', (request, reply, done) => {
          if (authorized(request, options.adminToken)) {
            // bull-board answers 500 to a control character in a query value (its error formatter breaks on it).
            const bad = Object.entries(request.query as Record<string, unknown>).find(([, v]) => /[\u0000-\u001f]/.test(String(v)));
            if (bad) {
              void reply.code(400).send({ error: { code: 'INPUT_INVALID', message: `query parameter '${bad[0]}' holds a control character` } });
              return;
            }
            return done();
          }
          if (!options.adminToken) {
            void reply.code(403).send({ error: { code: 'FORBIDDEN', message: 'the queue board is disabled: set API_ADMIN_TOKEN to enable it' } });
            return;
          }
          challenge(reply);
        });
        await board.register(serverAdapter.registerPlugin());
      },
      { prefix: QUEUE_BOARD_PATH },
    );
  };
}

function authorized(request: FastifyRequest, adminToken: string | undefined): boolean {
  if (!adminToken) return false;
  const header = request.headers.authorization;
  const bearer = bearerToken(header);
  if (typeof bearer === 'string') return tokenMatches(bearer, [adminToken]);
  const basic = header && /^Basic +([A-Za-z0-9+/]+=*)$/i.exec(header);
  if (!basic) return false;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && tokenMatches(decoded.slice(colon + 1), [adminToken]);
}

function challenge(reply: FastifyReply): void {
  void reply
    .code(401)
    .header('www-authenticate', 'Basic realm="driftline queues", charset="UTF-8"')
    .send({ error: { code: 'UNAUTHORIZED', message: 'admin token required (Bearer, or Basic with the token as password)' } });
}
