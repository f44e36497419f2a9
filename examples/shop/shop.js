// The demo shop's own behaviour: cart in localStorage, the checkout stepper,
// sign-in and referral forms, and the "your stage" pill. It talks to waymark
// only through the public script-tag API (window.waymark).
(function () {
  'use strict';
  var CART_KEY = 'ember:cart';
  var CUSTOMER_KEY = 'ember:customer';
  var PRODUCTS = { kettle: { name: 'Gooseneck Kettle', price: 69 } };

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function read(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  // ---- cart ----
  function cart() { return read(CART_KEY, []); }
  function renderCart() {
    var items = cart();
    $$('[data-cart-count]').forEach(function (el) { el.textContent = String(items.length); });
    $$('[data-cart-items]').forEach(function (box) {
      if (!items.length) return;
      box.textContent = '';
      var total = 0;
      items.forEach(function (item) {
        total += item.price;
        box.appendChild(line(item.name, '€' + item.price));
      });
      var sum = line('Total', '€' + total);
      sum.className += ' total';
      box.appendChild(sum);
    });
  }
  function line(left, right) {
    var row = document.createElement('div');
    row.className = 'line';
    var a = document.createElement('span');
    a.textContent = left;
    var b = document.createElement('span');
    b.textContent = right;
    row.appendChild(a);
    row.appendChild(b);
    return row;
  }
  $$('[data-waymark="add_to_cart"]').forEach(function (button) {
    button.addEventListener('click', function () {
      var product = PRODUCTS[button.getAttribute('data-product')] || { name: 'Item', price: 0 };
      var items = cart();
      items.push(product);
      write(CART_KEY, items);
      renderCart();
      var added = $('[data-added]');
      if (added) added.hidden = false;
    });
  });

  // ---- checkout stepper: one fieldset at a time ----
  var checkout = $('#checkout');
  if (checkout) {
    var steps = $$('fieldset', checkout);
    var markers = $$('[data-steps] li');
    var current = 0;
    var show = function (index) {
      current = index;
      steps.forEach(function (fs, i) { fs.hidden = i !== index; });
      markers.forEach(function (li, i) {
        li.className = i < index ? 'done' : i === index ? 'current' : '';
      });
      var first = steps[index] && $('input', steps[index]);
      if (first) first.focus();
    };
    var valid = function (fieldset) {
      var fields = $$('input, select, textarea', fieldset);
      for (var i = 0; i < fields.length; i++) {
        if (!fields[i].checkValidity()) { fields[i].reportValidity(); return false; }
      }
      return true;
    };
    $$('[data-next]', checkout).forEach(function (button) {
      button.addEventListener('click', function () { if (valid(steps[current])) show(current + 1); });
    });
    $$('[data-prev]', checkout).forEach(function (button) {
      button.addEventListener('click', function () { show(current - 1); });
    });
    // Enter in a field moves to the next step instead of submitting early.
    checkout.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && event.target.tagName === 'INPUT' && current < steps.length - 1) {
        event.preventDefault();
        if (valid(steps[current])) show(current + 1);
      }
    });
    checkout.addEventListener('submit', function (event) {
      if (current < steps.length - 1 || !valid(steps[current])) { event.preventDefault(); return; }
      write(CART_KEY, []);
    });
    show(0);
  }

  // ---- account: identify the customer on sign-in ----
  var signIn = $('#sign-in');
  if (signIn) {
    var signedIn = function (id) {
      signIn.hidden = !!id;
      $('[data-signed-in]').hidden = !id;
      if (id) $('[data-customer-id]').textContent = id;
    };
    signIn.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!signIn.checkValidity()) { signIn.reportValidity(); return; }
      // Never the e-mail itself: a customer id the shop would look up.
      var id = 'cust_' + Math.random().toString(36).slice(2, 8);
      write(CUSTOMER_KEY, id);
      waymark('identify', id, { plan: 'regular' });
      signedIn(id);
    });
    $('[data-sign-out]').addEventListener('click', function () {
      try { localStorage.removeItem(CUSTOMER_KEY); } catch (e) { /* ignore */ }
      waymark('reset');
      signedIn(null);
    });
    signedIn(read(CUSTOMER_KEY, null));
  }

  // ---- refer a friend: a custom event that moves the visitor to advocacy ----
  var referral = $('#referral');
  if (referral) {
    referral.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!referral.checkValidity()) { referral.reportValidity(); return; }
      waymark('track', 'referral_sent', { via: 'email' });
      $('[data-referral-sent]').hidden = false;
      referral.reset();
    });
  }

  // ---- the "your stage" pill: waymark.journey() and on('stage') once the bundle is in ----
  var badge = $('[data-stage-badge]');
  var tries = 0;
  function watchStage() {
    var w = window.waymark;
    if (!w || typeof w.journey !== 'function' || typeof w.on !== 'function') {
      if (++tries < 100) setTimeout(watchStage, 100);
      else if (badge) badge.textContent = 'not loaded';
      return;
    }
    var set = function (stage) {
      if (!badge) return;
      badge.textContent = stage || 'none yet';
      badge.parentNode.setAttribute('data-stage', stage || '');
    };
    try {
      set(w.journey().stage);
      w.on('stage', function (change) { set(change.to); });
    } catch (e) { /* the demo pill is optional */ }
  }

  renderCart();
  watchStage();
})();
