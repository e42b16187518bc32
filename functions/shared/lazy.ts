/**
 * `load()` on first use, its promise shared by every later call: what a cold start can defer. An
 * AWS SDK client package takes 100-300 ms to load, so a handler loads at start only the client
 * every request needs and the others when a request first does. A failed load is retried.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}
