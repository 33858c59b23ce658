import type { App } from '@slack/bolt';

const TTL_MS = 60 * 60 * 1000;
const MAX_ENTRIES = 10_000;
/** users.info must not eat the ack budget: without an answer in time the message goes on without a name. */
const LOOKUP_BUDGET_MS = 800;

interface SlackUser {
  name?: string;
  real_name?: string;
  profile?: { first_name?: string; display_name?: string; real_name?: string };
}

/** Customers' display names from users.info, cached (an hour) so a conversation costs one lookup. */
export class SlackNames {
  private readonly cache = new Map<string, { name?: string; at: number }>();

  constructor(
    private readonly client: App['client'],
    private readonly token: string,
  ) {}

  /** The name to greet the user by, or undefined when Slack does not say (or not fast enough). */
  async nameOf(userId: string): Promise<string | undefined> {
    const hit = this.cache.get(userId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.name;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), LOOKUP_BUDGET_MS)));
    const lookup = this.client.users
      .info({ token: this.token, user: userId })
      .then((r) => {
        const name = pickName(r.user as SlackUser | undefined);
        this.remember(userId, name);
        return name;
      })
      // An unknown name is not an error worth more than a missing greeting; try again next time.
      .catch(() => undefined);
    try {
      return await Promise.race([lookup, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(userId: string, name: string | undefined): void {
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(userId, { name, at: Date.now() });
  }
}

function pickName(user: SlackUser | undefined): string | undefined {
  const p = user?.profile;
  const name = p?.first_name || p?.display_name || p?.real_name || user?.real_name || user?.name;
  return name?.trim() ? name.trim().slice(0, 80) : undefined;
}
