// The tunnel's state reaches the UI three ways — events, app status and command answers — and
// they can arrive out of order. Each copy carries a version; everyone keeps the newest.

let latest = null;

/** The newer of `tunnel` and the newest copy seen so far. */
export function newest(tunnel) {
  if (tunnel && (!latest || tunnel.version >= latest.version)) latest = tunnel;
  return latest;
}
