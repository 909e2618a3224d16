// IndexedDB, raw: one key-value store for the cached day (visits by date, devices,
// checklists, the signed-in user) and one ordered outbox of actions waiting to be sent.
const DB = 'fieldd';
let dbp = null;

function open() {
  if (dbp) return dbp;
  dbp = new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      db.createObjectStore('kv');
      db.createObjectStore('outbox', { keyPath: 'id', autoIncrement: true });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  return dbp;
}

// one request in its own transaction; resolves with its result once committed
function one(store, mode, fn) {
  return open().then(
    (db) =>
      new Promise((resolve, reject) => {
        const t = db.transaction(store, mode);
        const r = fn(t.objectStore(store));
        t.oncomplete = () => resolve(r.result);
        t.onerror = () => reject(t.error);
        t.onabort = () => reject(t.error);
      })
  );
}

export const kv = {
  get: (key) => one('kv', 'readonly', (s) => s.get(key)),
  set: (key, value) => one('kv', 'readwrite', (s) => s.put(value, key)),
  del: (key) => one('kv', 'readwrite', (s) => s.delete(key)),
  clear: () => one('kv', 'readwrite', (s) => s.clear()),
};

export const outbox = {
  all: () => one('outbox', 'readonly', (s) => s.getAll()),
  add: (item) => one('outbox', 'readwrite', (s) => s.add(item)),
  put: (item) => one('outbox', 'readwrite', (s) => s.put(item)),
  del: (id) => one('outbox', 'readwrite', (s) => s.delete(id)),
};
