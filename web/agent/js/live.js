/*
 * The live connection to /agent/ws: signs in with the first frame (the token stays out of URLs and
 * logs), reconnects with capped, jittered back-off, and reports `connecting | live | offline`.
 * After a reconnect the console reloads its lists, since events sent while offline are lost.
 */
export class LiveSocket {
  /** @param {{token: () => string|null, onEvent: (e: object) => void, onState: (s: string, again: boolean) => void, onDenied: () => void}} opts */
  constructor(opts) {
    this.opts = opts;
    this.ws = null;
    this.failures = 0;
    this.timer = null;
    this.stopped = true;
    this.everReady = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, 'signed out');
    this.ws = null;
    this.everReady = false;
  }

  connect() {
    if (this.stopped) return;
    const token = this.opts.token();
    if (!token) return;
    this.opts.onState(this.failures ? 'offline' : 'connecting', false);
    const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/agent/ws');
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
    ws.onmessage = (m) => {
      let frame;
      try { frame = JSON.parse(m.data); } catch { return; }
      if (frame.type === 'ready') {
        const again = this.everReady;
        this.everReady = true;
        this.failures = 0;
        this.opts.onState('live', again);
      } else if (frame.type === 'event' && frame.event) this.opts.onEvent(frame.event);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (e.code === 4401 || e.code === 4403) return this.opts.onDenied(e.code);
      this.failures += 1;
      this.opts.onState('offline', false);
      const delay = Math.min(15000, 500 * 2 ** Math.min(this.failures, 5)) * (0.75 + Math.random() / 2);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }
}
