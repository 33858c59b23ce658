import type { ChannelAdapter } from './channel-adapter.js';

/** The channel adapters of this instance, by id. */
export class ChannelRegistry {
  private readonly adapters = new Map<string, ChannelAdapter>();

  add(adapter: ChannelAdapter): void {
    if (this.adapters.has(adapter.id)) throw new Error(`channel ${adapter.id} is registered twice`);
    this.adapters.set(adapter.id, adapter);
  }

  get(id: string): ChannelAdapter | undefined {
    return this.adapters.get(id);
  }

  ids(): string[] {
    return [...this.adapters.keys()];
  }

  all(): ChannelAdapter[] {
    return [...this.adapters.values()];
  }

  isInline(id: string): boolean {
    return this.adapters.get(id)?.inline ?? false;
  }

  async startAll(onError: (adapter: ChannelAdapter, err: unknown) => void): Promise<void> {
    // One channel that cannot start (platform unreachable) must not keep the others down.
    await Promise.all(this.all().map((a) => a.start().catch((err) => onError(a, err))));
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.all().map((a) => a.stop()));
  }
}
