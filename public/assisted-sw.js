// Keeps the facilitator's assisted-entry form (and what it needs) available without a signal.
// Network first, so a facilitator with a connection always gets the current questionnaire; the
// cached copy answers when the network fails or takes too long.
const CACHE = 'pulso-assisted-v2'
const ASSISTED = /^\/staff\/projects\/[a-z0-9-]+\/assisted$/
const ASSETS = ['/static/pulso.css', '/static/assisted.js']
const NETWORK_WAIT_MS = 6000

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  )
})

// One copy of the form per language (?lang=), so the language switch works without a signal too.
function keyOf(url) {
  if (ASSISTED.test(url.pathname)) {
    const lang = url.searchParams.get('lang')
    return url.origin + url.pathname + (lang ? '?lang=' + lang : '')
  }
  // Assets come with a version in their address (?v=): one copy each, whatever the version.
  return ASSETS.includes(url.pathname) ? url.origin + url.pathname : null
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  const key = keyOf(url)
  if (!key) return
  event.respondWith(networkThenCache(request, key))
})

async function networkThenCache(request, key) {
  const cache = await caches.open(CACHE)
  const network = fetch(request).then((response) => {
    // A redirect (to sign in) or an error page is never kept in place of the form.
    if (response.ok && !response.redirected) cache.put(key, response.clone())
    return response
  })
  // The address without ?lang= answers with any language kept, rather than nothing.
  const cached = (await cache.match(key)) || (await cache.match(key, { ignoreSearch: true }))
  if (!cached) return network
  const slow = new Promise((resolve) => setTimeout(() => resolve(cached), NETWORK_WAIT_MS))
  return Promise.race([network.catch(() => cached), slow])
}
