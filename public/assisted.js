// Assisted entry without a signal: finished entries wait on the phone (localStorage survives closing
// the browser) and are sent, each with its own submission key, when the connection returns.
// Without this script the form posts normally and works online.
;(function () {
  'use strict'
  var form = document.querySelector('form[data-offline-queue]')
  var status = document.getElementById('queue-status')
  if (!form || !status || !window.fetch || !window.localStorage || !window.URLSearchParams) return
  var connection = document.getElementById('connection-status')
  var CACHE = 'pulso-assisted-v2'

  // Right after the first visit, every language of this form is kept on the phone (as the service
  // worker keys them), so it opens without a signal, and its language switch works too.
  function keepForOffline() {
    if (!('serviceWorker' in navigator) || !window.caches || !connection) return
    var pages = (connection.getAttribute('data-pages') || '').split(' ').filter(Boolean)
    navigator.serviceWorker
      .register('/staff/assisted-sw.js', { scope: '/staff/' })
      .then(function () {
        return navigator.serviceWorker.ready
      })
      .then(function () {
        return caches.open(CACHE)
      })
      .then(function (cache) {
        return Promise.all(
          pages.concat([location.pathname]).map(function (page) {
            return fetch(page, { credentials: 'same-origin' }).then(function (response) {
              if (response.ok && !response.redirected) return cache.put(location.origin + page, response)
              throw new Error('not kept')
            })
          }),
        )
      })
      .then(function () {
        document.documentElement.setAttribute('data-offline-ready', '')
        showConnection(connection.getAttribute('data-ready'))
      })
      .catch(function () {})
  }

  function showConnection(extra) {
    if (!connection) return
    connection.hidden = false
    var state = connection.getAttribute(navigator.onLine ? 'data-online' : 'data-offline')
    connection.textContent = extra ? state + ' ' + extra : state
    connection.setAttribute('data-state', navigator.onLine ? 'online' : 'offline')
  }

  var QUEUE = 'pulso-assisted-queue'
  var sending = false

  function load() {
    try {
      return JSON.parse(localStorage.getItem(QUEUE) || '[]')
    } catch (e) {
      return []
    }
  }
  function save(queue) {
    localStorage.setItem(QUEUE, JSON.stringify(queue))
  }
  function newKey() {
    var bytes = new Uint8Array(24)
    crypto.getRandomValues(bytes)
    return Array.prototype.map
      .call(bytes, function (b) {
        return ('0' + b.toString(16)).slice(-2)
      })
      .join('')
  }
  function say(text) {
    status.hidden = false
    status.textContent = text
  }
  function show(extra) {
    var queue = load()
    var waiting = queue.length
    var refused = queue.filter(function (e) {
      return e.refused
    }).length
    var parts = []
    if (extra) parts.push(extra)
    if (waiting > 0)
      parts.push(
        status
          .getAttribute(waiting === 1 ? 'data-waiting-one' : 'data-waiting-other')
          .replace('{{n}}', String(waiting)),
      )
    if (refused > 0) parts.push(status.getAttribute('data-refused').replace('{{n}}', String(refused)))
    if (parts.length) say(parts.join(' '))
  }

  // Required questions carry no HTML `required` (the server explains errors); offline, we check here.
  function missing() {
    var names = []
    form.querySelectorAll('[data-required]').forEach(function (field) {
      var inputs = field.querySelectorAll('input, textarea')
      var answered = Array.prototype.some.call(inputs, function (i) {
        return i.type === 'radio' || i.type === 'checkbox' ? i.checked : i.value.trim() !== ''
      })
      if (!answered) names.push(field)
    })
    ;['publish', 'contact_ok'].forEach(function (name) {
      if (!form.querySelector('input[name="' + name + '"]:checked'))
        names.push(form.querySelector('input[name="' + name + '"]').closest('.field'))
    })
    return names
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault()
    var gaps = missing()
    if (gaps.length > 0) {
      // Name what is missing: each question's label, as the facilitator sees it.
      var labels = gaps.map(function (field) {
        var label = field.querySelector('legend, .label, label')
        return label ? label.textContent.replace(/\s+/g, ' ').trim() : ''
      })
      say(
        status.getAttribute('data-missing') +
          ' ' +
          status.getAttribute('data-missing-list').replace('{{list}}', labels.filter(Boolean).join('; ')),
      )
      var first = gaps[0].querySelector('input, textarea')
      if (first) first.focus()
      return
    }
    var body = new URLSearchParams(new FormData(form))
    body.set('submission', newKey())
    var queue = load()
    queue.push({ action: form.getAttribute('action'), body: body.toString() })
    save(queue)
    form.reset()
    window.scrollTo(0, 0)
    show(status.getAttribute('data-saved'))
    flush()
  })

  function flush() {
    if (
      sending ||
      load().filter(function (e) {
        return !e.refused
      }).length === 0
    )
      return Promise.resolve()
    sending = true
    return fetch('/staff/form-token', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (response) {
        if (response.redirected || !response.ok) throw new Error('sign-in')
        return response.json()
      })
      .then(function (answer) {
        return sendEach(answer.token)
      })
      .catch(function (error) {
        if (error && error.message === 'sign-in') show(status.getAttribute('data-sign-in'))
      })
      .then(function () {
        sending = false
      })
  }

  function sendEach(token) {
    var entry = load().filter(function (e) {
      return !e.refused
    })[0]
    if (!entry) return show(status.getAttribute('data-sent'))
    var body = new URLSearchParams(entry.body)
    body.set('_csrf', token)
    return fetch(entry.action, {
      method: 'POST',
      body: body,
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    }).then(function (response) {
      var queue = load()
      var index = queue.findIndex(function (e) {
        return e.body === entry.body
      })
      if (response.status === 201) {
        if (index >= 0) queue.splice(index, 1)
      } else if (response.status === 400) {
        // Kept, never dropped: the facilitator sees it and can ask the office to look at it.
        if (index >= 0) queue[index].refused = true
      } else if (response.status === 401 || response.status === 403) {
        throw new Error('sign-in')
      } else {
        throw new Error('later')
      }
      save(queue)
      show()
      return sendEach(token)
    })
  }

  window.addEventListener('online', function () {
    showConnection()
    flush()
  })
  window.addEventListener('offline', function () {
    showConnection()
  })
  setInterval(flush, 30000)
  showConnection()
  keepForOffline()
  show()
  flush()
})()
