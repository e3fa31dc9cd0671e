/**
 * The one script the web pages load, served at /assets/live.js (a file from this server, so the
 * Content Security Policy stays `default-src 'self'` with no inline script). On a page whose `<main>`
 * names a stream (`data-live`, ./live.ts), it listens there; when the version the stream sends is
 * not the page's, it fetches the page again and swaps `<main>`, and says so in a polite live region.
 * If the person is typing in a field of the page, it does not pull the page from under them: it
 * offers a reload instead. A tab out of sight closes its stream and opens it again on its return.
 * Without it (scripts off, no EventSource) the page is the same, just still.
 */
export const LIVE_SCRIPT = `'use strict';
(function () {
  var main = document.querySelector('main[data-live]');
  if (!main || typeof EventSource !== 'function') return;
  var status = document.getElementById('live-status');
  var version = main.getAttribute('data-live-version');
  var busy = false;
  var waiting = null;

  function say(text, offerReload) {
    if (!status) return;
    status.textContent = text;
    if (offerReload) {
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Reload';
      button.addEventListener('click', function () { location.reload(); });
      status.appendChild(button);
    }
  }

  function typing() {
    var field = document.activeElement;
    return !!field && main.contains(field) && /^(INPUT|SELECT|TEXTAREA)$/.test(field.tagName);
  }

  function refresh(next) {
    if (busy) { waiting = next; return; }
    if (typing()) { say('This page has changed since it was loaded.', true); return; }
    busy = true;
    fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (text) {
        var page = new DOMParser().parseFromString(text, 'text/html');
        var fresh = page.querySelector('main[data-live]');
        if (!fresh) { location.reload(); return; }
        main.innerHTML = fresh.innerHTML;
        version = fresh.getAttribute('data-live-version');
        main.setAttribute('data-live-version', version || '');
        if (page.title) document.title = page.title;
        say('Updated at ' + new Date().toLocaleTimeString() + '.', false);
      })
      .catch(function () { say('This page has changed; it could not be updated here.', true); })
      .then(function () {
        busy = false;
        if (waiting !== null && waiting !== version) { var again = waiting; waiting = null; refresh(again); }
        waiting = null;
      });
  }

  var source = null;
  var refused = false;
  function listen() {
    var stream = new EventSource(main.getAttribute('data-live'));
    stream.addEventListener('open', function () {
      if (refused) { refused = false; say('This page updates by itself again.', false); }
    });
    stream.addEventListener('version', function (event) {
      if (event.data !== version) refresh(event.data);
    });
    // Refused (too many pages following, or the subject is gone): the browser does not try again,
    // and neither does this page until it is next brought back into view.
    stream.addEventListener('error', function () {
      if (stream.readyState !== EventSource.CLOSED) return;
      if (source === stream) source = null;
      refused = true;
      say('This page no longer updates by itself.', true);
    });
    source = stream;
  }

  // A browser holds few connections per server over HTTP/1.1 (six in Chromium), and each stream
  // keeps one: a tab out of sight gives its stream back, and on its return the stream's first
  // version tells whether it missed a change.
  document.addEventListener('visibilitychange', function () {
    if (document.hidden && source) { source.close(); source = null; }
    else if (!document.hidden && !source) listen();
  });
  if (!document.hidden) listen();
})();
`;
