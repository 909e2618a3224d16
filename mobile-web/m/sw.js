// fieldd engineer app service worker (scope /m/): keeps the app shell so the app opens
// with no signal. Shell files are answered from the cache at once and refreshed in the
// background (the next start gets the new version). The API is never cached here: the
// day's visits and checklists live in IndexedDB, writes go through the app's outbox.
const CACHE = 'fieldd-m-v1';
const SHELL = [
  '/m/', '/m/app.js', '/m/plans.js', '/m/manifest.webmanifest', '/m/icon.svg',
  '/shared/ui.js', '/shared/api.js', '/shared/store.js', '/shared/outbox.js',
  '/shared/words.js', '/shared/styles.css',
  '/vendor/preact.module.js', '/vendor/hooks.module.js', '/vendor/htm.module.js',
];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/cal/')) return;
  const key = req.mode === 'navigate' && url.pathname.startsWith('/m/') ? '/m/' : url.pathname;
  if (!SHELL.includes(key)) return;
  e.respondWith(
    caches.open(CACHE).then(async (c) => {
      const hit = await c.match(key);
      const fresh = fetch(key, { cache: 'no-cache' })
        .then((r) => {
          if (r.ok) c.put(key, r.clone());
          return r;
        });
      if (hit) {
        e.waitUntil(fresh.catch(() => {}));
        return hit;
      }
      return fresh;
    })
  );
});
