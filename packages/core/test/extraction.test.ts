import { describe, expect, it } from "vitest";
import { extractAll, extractCodes, extractLinks, MAX_TEXT_LENGTH } from "../src/messages/extraction.js";

interface CodeCase {
  name: string;
  subject: string;
  text?: string;
  html?: string;
  codes: string[];
}

const footer = "\n\nAcme Inc., 500 Howard St, San Francisco, CA 94105\n© 2026 Acme Inc. All rights reserved.";

const CODE_CASES: CodeCase[] = [
  {
    name: "sign-up verification, code on its own line",
    subject: "Verify your email address",
    text: `Hi Anna,\n\nThanks for signing up! Enter this code to verify your email address:\n\n482913\n\nThe code expires in 10 minutes.${footer}`,
    codes: ["482913"],
  },
  {
    name: "password reset: a link, no code",
    subject: "Reset your password",
    text: `Someone asked to reset the password of your account.\n\nReset it here: https://accounts.example.org/reset?token=8f3a9c21e7b64d02&uid=104829\n\nThe link expires in 24 hours. Request ID: 8f3a9c21${footer}`,
    codes: [],
  },
  {
    name: "magic link: no code",
    subject: "Your sign-in link",
    html: '<p>Click below to sign in. This link can be used once and expires in 15 minutes.</p><p><a href="https://app.example.org/magic?t=728301">Sign in to Example</a></p>',
    codes: [],
  },
  {
    name: "2FA in English, code after the words",
    subject: "Your security code",
    text: "Your Example security code is 739201. Don't share it with anyone. If you didn't try to sign in, call us at +1 (555) 123-4567.",
    codes: ["739201"],
  },
  {
    name: "code named after it: '… is your verification code'",
    subject: "Welcome",
    text: "583014 is your Example verification code.",
    codes: ["583014"],
  },
  {
    name: "code only in the subject",
    subject: "482913 is your Slack confirmation code",
    text: "Confirm your email address to get started on Slack.",
    codes: ["482913"],
  },
  {
    name: "Slack-style grouped digits in the subject",
    subject: "Slack confirmation code: 482-913",
    text: "Your confirmation code is below — enter it in your open browser window.",
    codes: ["482-913"],
  },
  {
    name: "the code, not the order number beside it",
    subject: "Confirm your order",
    text: "Your confirmation code for order 10482733 is 649201. Order total: $129.99 (incl. 19% VAT).",
    codes: ["649201"],
  },
  {
    name: "a 4-digit PIN",
    subject: "Your card",
    text: "Your new PIN: 4829\nKeep it secret.",
    codes: ["4829"],
  },
  {
    name: "alphanumeric code",
    subject: "Sign-in attempt",
    text: "Use the one-time code A7K9QZ to finish signing in.",
    codes: ["A7K9QZ"],
  },
  {
    name: "prefixed code (Google style)",
    subject: "Google verification code",
    text: "G-482913 is your Google verification code.",
    codes: ["G-482913"],
  },
  {
    name: "German: Bestätigungscode, with an address and a phone number",
    subject: "Ihr Bestätigungscode",
    text: "Hallo Anna,\n\nIhr Bestätigungscode lautet: 583920\n\nDer Code ist 10 Minuten gültig.\n\nBeispiel GmbH, Musterstraße 1, 10115 Berlin\nTel. 030 12345678",
    codes: ["583920"],
  },
  {
    name: "German: Sicherheitscode in HTML only",
    subject: "Anmeldung",
    html: '<div><p>Ihr Sicherheitscode:</p><p style="font-size:32px;color:#1a73e8"><b>771204</b></p><p>Bestellnummer 20261120 ist nicht betroffen.</p></div>',
    codes: ["771204"],
  },
  {
    name: "Chinese: 验证码 inside a sentence",
    subject: "【Example】验证码",
    text: "【Example】您的验证码是482913，10分钟内有效，请勿泄露给他人。客服电话：4008123456",
    codes: ["482913"],
  },
  {
    name: "Chinese: 动态码, fullwidth digits",
    subject: "登录提醒",
    text: "您本次登录的动态码为：３９２８１７",
    codes: ["392817"],
  },
  {
    name: "French: code de vérification, postcode not taken",
    subject: "Votre code de vérification",
    text: "Bonjour,\nVotre code de vérification est : 604218\nExemple SAS, 12 rue de la Paix, code postal 75002 Paris",
    codes: ["604218"],
  },
  {
    name: "Spanish: código",
    subject: "Código de verificación",
    text: "Tu código de verificación es 218406. Caduca en 5 minutos.",
    codes: ["218406"],
  },
  {
    name: "Portuguese: código",
    subject: "Confirmação",
    text: "Seu código de confirmação: 830164\nPedido 4820193 enviado.",
    codes: ["830164"],
  },
  {
    name: "Russian: код подтверждения",
    subject: "Подтверждение входа",
    text: "Ваш код подтверждения: 517320. Никому его не сообщайте.",
    codes: ["517320"],
  },
  {
    name: "Japanese: 認証コード",
    subject: "認証コードのお知らせ",
    text: "認証コード：４８２９１３\n有効期限は10分です。",
    codes: ["482913"],
  },
  {
    name: "the text part wins over the HTML; the HTML is read when the text holds none",
    subject: "Your login code",
    text: "View this email in your browser.",
    html: "<table><tr><td>Your login code</td><td>920461</td></tr></table>",
    codes: ["920461"],
  },
];

const NEGATIVE_CASES: CodeCase[] = [
  {
    name: "newsletter with prices, dates, phone numbers, order numbers and a coupon",
    subject: "Summer sale: up to 50% off",
    text: [
      "Summer sale ends 31.07.2026 at 23:59!",
      "Sneakers now $79.99 (was $129.99), jackets from 49,95 €.",
      "Your last order #10482913 shipped on 2026-07-14.",
      "Questions? Call 0800 123 4567 or +49 30 12345678.",
      "Use coupon code SUMMER20 at checkout for 20% off.",
      "Visit us: 221B Baker Street, London NW1 6XE · 1600 Amphitheatre Parkway, Mountain View, CA 94043",
      "https://shop.example.org/sale/2026?utm_campaign=482913",
      "© 2026 Example Shop",
    ].join("\n"),
    codes: [],
  },
  {
    name: "shipping notice with a tracking number and an invoice",
    subject: "Your parcel is on its way",
    text: "Tracking number: 00340434161094042557\nInvoice 20261120-4471 attached. Delivery expected Monday, November 23, 2026.",
    codes: [],
  },
  {
    name: "sign-up link with quantities near the keyword",
    subject: "Confirm your account",
    text: "Confirm your account within 1440 minutes: https://example.org/confirm/4829131\nLogos must be 1200 px wide. Bestätigung gilt 2880 Minuten.",
    codes: [],
  },
  {
    name: "HTML newsletter: colours and pixel sizes in styles, no code",
    subject: "Our November news",
    html: '<html><head><style>.h{color:#482913;width:600px}</style></head><body><h1 style="color:#123456">News</h1><p>Meet us at booth 4711 in hall 2026. Doors open at 09:30.</p></body></html>',
    codes: [],
  },
];

describe("one-time codes", () => {
  it.each(CODE_CASES)("finds the code: $name", ({ subject, text, html, codes }) => {
    expect(extractCodes({ subject, text: text ?? null, html: html ?? null })).toEqual(codes);
  });

  it.each(NEGATIVE_CASES)("finds none: $name", ({ subject, text, html }) => {
    expect(extractCodes({ subject, text: text ?? null, html: html ?? null })).toEqual([]);
  });

  it("puts the likeliest first: a 6-digit code by its keyword before a number further on", () => {
    const codes = extractCodes({
      subject: "Your verification code",
      text: "Your verification code: 482913\nIf it does not work, use the backup code 7730 instead.",
      html: null,
    });
    expect(codes).toEqual(["482913", "7730"]);
  });

  it("reads HTML-only mail as text: block elements are lines, script and style are not read", () => {
    const codes = extractCodes({
      subject: "Sign in",
      text: null,
      html: "<script>var code = 111111;</script><div>Your code</div><div>&nbsp;<b>654321</b>&nbsp;</div>",
    });
    expect(codes).toEqual(["654321"]);
  });
});

describe("links", () => {
  it("takes anchors with their visible text, decodes entities, de-duplicates by URL and leaves out mailto: and friends", () => {
    const html = [
      '<p><a href="https://example.org/verify?token=abc&amp;uid=42">Verify your email</a></p>',
      '<p><a href="https://example.org/verify?token=abc&uid=42">again, same URL</a></p>',
      '<p><a href="mailto:help@example.org">Write to us</a> <a href="tel:+15551234567">Call</a></p>',
      '<p><a href="javascript:alert(1)">x</a> <a href="data:text/html,hi">y</a> <a href="cid:logo@x">z</a></p>',
      '<p><a href="/relative">relative</a> <a href="#top">top</a> <a>no href</a></p>',
      '<p><a href="https://example.org/unsubscribe"><img src="cid:u" alt="Unsubscribe"></a></p>',
      '<p><a href="  https://example.org/spaced\n  ">  Spaced   out\n text </a></p>',
    ].join("");
    expect(extractLinks({ text: null, html })).toEqual([
      { url: "https://example.org/verify?token=abc&uid=42", text: "Verify your email" },
      { url: "https://example.org/unsubscribe", text: "Unsubscribe" },
      { url: "https://example.org/spaced", text: "Spaced out text" },
    ]);
  });

  it("finds bare URLs in text, trims the sentence's punctuation, keeps a URL's own brackets", () => {
    const text = [
      "Confirm here: https://example.org/confirm?t=1.",
      "Or (https://example.org/alt), or <https://example.org/angle>!",
      "See https://en.wikipedia.org/wiki/Email_(disambiguation); thanks.",
      "Again: https://example.org/confirm?t=1",
      "Not a link: ftp://files.example.org/x and mailto:help@example.org",
    ].join("\n");
    expect(extractLinks({ text, html: null })).toEqual([
      { url: "https://example.org/confirm?t=1", text: "" },
      { url: "https://example.org/alt", text: "" },
      { url: "https://example.org/angle", text: "" },
      { url: "https://en.wikipedia.org/wiki/Email_(disambiguation)", text: "" },
    ]);
  });

  it("keeps the first occurrence's place and the anchor's text over an empty one", () => {
    const links = extractLinks({
      text: "Verify: https://example.org/v?t=9\nHelp: https://example.org/help",
      html: '<a href="https://example.org/help">Help centre</a> <a href="https://example.org/v?t=9">Verify</a>',
    });
    expect(links).toEqual([
      { url: "https://example.org/help", text: "Help centre" },
      { url: "https://example.org/v?t=9", text: "Verify" },
    ]);
  });

  it("stops at 100 links", () => {
    const html = Array.from({ length: 150 }, (_, i) => `<a href="https://example.org/${i}">${i}</a>`).join(" ");
    const links = extractLinks({ text: null, html });
    expect(links).toHaveLength(100);
    expect(links[99]).toEqual({ url: "https://example.org/99", text: "99" });
  });
});

describe("hostile input", () => {
  // Shapes that make backtracking regular expressions explode; each must simply come back.
  const LENGTH = MAX_TEXT_LENGTH;
  const PATHOLOGICAL: [string, string][] = [
    ["one long word", "a".repeat(LENGTH)],
    ["digit groups", "1-".repeat(LENGTH / 2)],
    ["joined tokens", "ab1.".repeat(LENGTH / 4)],
    ["schemes without hosts", "https://".repeat(LENGTH / 8)],
    ["keywords everywhere", "code ".repeat(LENGTH / 5)],
    ["stems without ends", "verif".repeat(LENGTH / 5)],
    ["codes everywhere", "code 123456 ".repeat(LENGTH / 12)],
    ["brackets", `https://x.test/${")".repeat(LENGTH)}`],
    ["open tags", "<a href=x>".repeat(LENGTH / 10)],
    ["blank lines", "\n".repeat(LENGTH)],
  ];

  it.each(PATHOLOGICAL)("returns on %s", (_name, input) => {
    const result = extractAll({ subject: input.slice(0, 998), text: input, html: input });
    expect(result.codes.length).toBeLessThanOrEqual(10);
    expect(result.links.length).toBeLessThanOrEqual(100);
  });

  it("reads only the first 64 KiB of text", () => {
    const text = `${"filler ".repeat(LENGTH / 7 + 10)}\nYour code: 482913`;
    expect(extractCodes({ subject: "Your code", text, html: null })).toEqual([]);
    expect(extractCodes({ subject: "Your code", text: text.slice(-40), html: null })).toEqual(["482913"]);
  });
});
