import type { TimelineEvent } from '../timeline/event';
import type { UpstreamConnectionRecord } from './script';

/**
 * Upstream names inside an agent that other harnesses share (a compose stack's agent): the controller prefixes
 * every name it sends with its namespace and strips it from what comes back, so two runs, or a run and the
 * stack's own `--echo app` upstream, never collide on a name, and a run never hears another's upstreams. The
 * empty namespace (an agent of the run's own) changes nothing.
 */
export class AgentNamespace {
  constructor(readonly prefix = '') {}

  /** The name the agent knows `name` by. */
  outward(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** An event as the timeline should see it (actor and connection id without the prefix); undefined when it belongs to another namespace. */
  inward(e: TimelineEvent): TimelineEvent | undefined {
    if (this.prefix === '' || !e.actor.startsWith('upstream:')) return e;
    const name = e.actor.slice('upstream:'.length);
    if (!name.startsWith(this.prefix)) return undefined;
    const out: TimelineEvent = { ...e, actor: `upstream:${name.slice(this.prefix.length)}` };
    if (e.conn !== undefined) out.conn = this.strip(e.conn);
    return out;
  }

  /** A connection record from the agent, with this namespace's prefix taken off its ids. */
  inwardRecord(r: UpstreamConnectionRecord): UpstreamConnectionRecord {
    if (this.prefix === '') return r;
    return { ...r, id: this.strip(r.id), requests: r.requests.map((q) => ({ ...q, connId: this.strip(q.connId) })) };
  }

  private strip(id: string): string {
    return id.startsWith(this.prefix) ? id.slice(this.prefix.length) : id;
  }
}
