/*
 * Exact SMS counter (SPEC §5), the browser mirror of messaging/sms.py: change both together.
 * Plain ES2017, no dependencies, no eval or inline script, so it runs under a strict CSP.
 *
 * window.SmsCounter.measure(text) -> {encoding, units, parts, culprit, characters}
 * window.SmsCounter.describe(result, maxParts) -> the sentence the server renders initially.
 *
 * Progressive enhancement: if the page has textarea[name="message"] and #message-counter,
 * the counter is kept up to date as the reseller types. Without this script the page still
 * shows the server's count.
 */
(function () {
  "use strict";

  const MAX_PARTS = 10;
  const GSM_7 = "GSM-7";
  const UCS_2 = "UCS-2";

  // The GSM 03.38 default alphabet, in table order (0x1B is the escape to the extension table).
  const GSM_BASIC = new Set(
    "@£$¥èéùìòÇ\nØø\rÅå" +
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ" +
    " !\"#¤%&'()*+,-./" +
    "0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
  );
  // Reached through the escape code, so each costs two septets.
  const GSM_EXTENSION = new Set("\f^{}\\[~]|€");

  // Units in one SMS, and in each part of a multipart SMS (the rest is the joining header).
  const SINGLE_SMS_UNITS = { "GSM-7": 160, "UCS-2": 70 };
  const UNITS_PER_PART = { "GSM-7": 153, "UCS-2": 67 };

  // Controls, spaces, soft hyphen, combining marks, zero-width and direction marks, line and
  // paragraph separators, variation selectors, surrogates and the byte order mark.
  // Same ranges as _INVISIBLE in messaging/sms.py.
  const INVISIBLE = [
    [0x0000, 0x0020],
    [0x007F, 0x00A0],
    [0x00AD, 0x00AD],
    [0x0300, 0x036F],
    [0x2000, 0x200F],
    [0x2028, 0x202F],
    [0x205F, 0x206F],
    [0x3000, 0x3000],
    [0xD800, 0xDFFF],
    [0xFE00, 0xFE0F],
    [0xFEFF, 0xFEFF]
  ];

  function isGsm(ch) {
    return GSM_BASIC.has(ch) || GSM_EXTENSION.has(ch);
  }

  function measure(text) {
    // JS strings are UTF-16: spreading a string yields code points, like Python's str,
    // so an emoji is one character here too (a lone surrogate is one as well).
    const characters = Array.from(String(text));
    const culprit = characters.find(function (ch) { return !isGsm(ch); });
    let encoding;
    let sizes;
    if (culprit === undefined) {
      encoding = GSM_7;
      sizes = characters.map(function (ch) { return GSM_EXTENSION.has(ch) ? 2 : 1; });
    } else {
      encoding = UCS_2;
      // UCS-2 here is really UTF-16: a character outside the BMP travels as a surrogate pair.
      sizes = characters.map(function (ch) { return ch.codePointAt(0) > 0xFFFF ? 2 : 1; });
    }
    return {
      encoding: encoding,
      units: sum(sizes),
      parts: partsNeeded(sizes, encoding),
      culprit: culprit === undefined ? null : culprit,
      characters: characters.length
    };
  }

  function sum(sizes) {
    return sizes.reduce(function (total, size) { return total + size; }, 0);
  }

  function partsNeeded(sizes, encoding) {
    const units = sum(sizes);
    if (units === 0) {
      return 0;
    }
    if (units <= SINGLE_SMS_UNITS[encoding]) {
      return 1;
    }
    const perPart = UNITS_PER_PART[encoding];
    let parts = 1;
    let room = perPart;
    for (const size of sizes) {
      // An escape pair or a surrogate pair cut in half would arrive as garbage on the
      // phone, so a 2-unit character that does not fit moves whole to the next part.
      if (size > room) {
        parts += 1;
        room = perPart;
      }
      room -= size;
    }
    return parts;
  }

  // Thousands grouped as everywhere else in the app: "1,531 characters".
  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // The sentence's words in English; the page gives them in its own language (data-
  // attributes on #message-counter, written by the server from the same translations).
  const ENGLISH = {
    characterOne: "%(count)s character",
    characterOther: "%(count)s characters",
    parts: "%(count)s SMS",
    unicode: "Unicode (because of %(character)s)",
    tooLong: "too long: at most %(count)s SMS",
  };

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function describe(result, maxParts, words) {
    const limit = maxParts === undefined ? MAX_PARTS : maxParts;
    const said = Object.assign({}, ENGLISH, words || {});
    const characters = result.characters === 1 ? said.characterOne : said.characterOther;
    const encoding = result.encoding === GSM_7
      ? "GSM-7"
      : fill(said.unicode, { character: show(result.culprit) });
    let sentence = [
      fill(characters, { count: grouped(result.characters) }),
      fill(said.parts, { count: result.parts }),
      encoding,
    ].join(" · ");
    if (result.parts > limit) {
      sentence += " · " + fill(said.tooLong, { count: limit });
    }
    return sentence;
  }

  function wordsOf(counter) {
    // The counter's line (p.message-cost) carries the words as data- attributes.
    const line = counter.closest(".message-cost") || counter;
    const words = {};
    Object.keys(ENGLISH).forEach(function (key) {
      if (line.dataset[key]) {
        words[key] = line.dataset[key];
      }
    });
    return words;
  }

  function show(character) {
    // A non-breaking space between quotes tells the reseller nothing: name it by code point.
    const codePoint = character.codePointAt(0);
    const invisible = INVISIBLE.some(function (range) {
      return range[0] <= codePoint && codePoint <= range[1];
    });
    if (invisible) {
      return "U+" + codePoint.toString(16).toUpperCase().padStart(4, "0");
    }
    return "“" + character + "”";
  }

  function maxPartsOf(counter) {
    const value = Number.parseInt(counter.getAttribute("data-max-parts"), 10);
    return Number.isInteger(value) && value > 0 ? value : MAX_PARTS;
  }

  function enhance() {
    const message = document.querySelector('textarea[name="message"]');
    const counter = document.getElementById("message-counter");
    if (!message || !counter) {
      return;
    }
    if (!counter.hasAttribute("aria-live")) {
      counter.setAttribute("aria-live", "polite");
    }
    const maxParts = maxPartsOf(counter);
    const words = wordsOf(counter);
    function update() {
      const result = measure(message.value);
      // textContent, never innerHTML: the culprit is whatever the reseller typed.
      counter.textContent = describe(result, maxParts, words);
      counter.classList.toggle("over-limit", result.parts > maxParts);
    }
    message.addEventListener("input", update);
    // The browser may restore a draft on back/forward navigation without an input event.
    update();
  }

  window.SmsCounter = { measure: measure, describe: describe, MAX_PARTS: MAX_PARTS };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
