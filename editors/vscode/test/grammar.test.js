// Tokenizes every example (and every .net input of the golden cases) with the
// TextMate grammar, through vscode-textmate and vscode-oniguruma, the engine VS Code
// uses, and checks the scopes: every line tokenizes completely; comments (outside
// quoted names) are comments, waivers name their rule; quoted names are strings;
// arrows, reserved words, declarations and numbers get their scopes; and no name that
// merely contains a reserved word is taken for one.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.join(__dirname, '..', '..', '..');

async function grammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => vsctm.parseRawGrammar(
      fs.readFileSync(path.join(__dirname, '..', 'syntaxes', 'netc.tmLanguage.json'), 'utf8'), 'netc.tmLanguage.json'),
  });
  return registry.loadGrammar('source.netc');
}

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.net')) out.push([path.relative(root, p), fs.readFileSync(p, 'utf8')]);
  }
  return out;
}

// The .net sections of the txtar golden cases.
function goldenInputs() {
  const out = [];
  for (const kind of fs.readdirSync(path.join(root, 'testdata'))) {
    const dir = path.join(root, 'testdata', kind);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.txtar'))) {
      const parts = fs.readFileSync(path.join(dir, f), 'utf8').split(/^-- (.+) --$/m);
      for (let i = 1; i + 1 < parts.length; i += 2) {
        if (parts[i].endsWith('.net')) out.push([`${kind}/${f}:${parts[i]}`, parts[i + 1].replace(/^\n/, '')]);
      }
    }
  }
  return out;
}

// tokenize returns, per line, the tokens with their text and scopes.
function tokenize(g, text) {
  let state = vsctm.INITIAL;
  return text.split('\n').map((line) => {
    const r = g.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), start: t.startIndex, end: t.endIndex, scopes: t.scopes }));
  });
}

// commentStart finds the '#' that starts a comment, outside quoted names.
function commentStart(line) {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '#' && !quoted) return i;
  }
  return -1;
}

const has = (t, s) => t.scopes.some((x) => x === s || x.startsWith(s + '.'));
const reserved = new Set(['as', 'can', 'cannot', 'in', 'named', 'on']);

function check(name, text, toks) {
  const lines = text.split('\n');
  lines.forEach((line, n) => {
    const at = `${name}:${n + 1}`;
    const ts = toks[n];
    // Complete and in order.
    let pos = 0;
    for (const t of ts) {
      assert.strictEqual(t.start, pos, `${at}: a gap before column ${t.start}`);
      pos = t.end;
    }
    // vscode-textmate counts the line's end as one more character.
    assert.ok(pos === line.length || pos === line.length + 1, `${at}: tokens end at ${pos} of ${line.length}`);
    const c = commentStart(line);
    for (const t of ts) {
      if (t.start >= line.length) continue; // the line's end
      const inComment = c >= 0 && t.start >= c;
      assert.strictEqual(has(t, 'comment.line.number-sign.netc'), inComment, `${at}: "${t.text}" comment scope ${t.scopes}`);
      if (inComment) continue;
      const word = t.text.trim();
      if (word === '->' || word === '!->') assert.ok(has(t, 'keyword.operator.arrow'), `${at}: ${word} ${t.scopes}`);
      if (has(t, 'keyword.other.netc')) assert.ok(reserved.has(word), `${at}: "${word}" taken for a reserved word`);
      if (has(t, 'string.quoted.double.netc')) assert.ok(commentStart(line.slice(0, t.start)) < 0, `${at}: a string inside a comment`);
    }
    // Every '"' outside comments opens or closes a string.
    for (let i = 0; i < (c >= 0 ? c : line.length); i++) {
      if (line[i] !== '"') continue;
      const t = ts.find((t) => t.start <= i && i < t.end);
      assert.ok(t && has(t, 'string.quoted.double.netc'), `${at}: the quote at ${i} is not a string's`);
    }
    // Reserved words standing alone are keywords.
    const code = c >= 0 ? line.slice(0, c) : line;
    for (const m of code.matchAll(/(?<![A-Za-z0-9_."-])(as|can|cannot|in|named|on)(?![A-Za-z0-9_."-])/g)) {
      if (inQuotes(code, m.index)) continue;
      const t = ts.find((t) => t.start <= m.index && m.index < t.end);
      assert.ok(t && has(t, 'keyword.other.netc'), `${at}: "${m[1]}" at ${m.index} is ${t && t.scopes}`);
    }
  });
}

function inQuotes(line, i) {
  let quoted = false;
  for (let j = 0; j < i; j++) {
    if (quoted && line[j] === '\\') j++;
    else if (line[j] === '"') quoted = !quoted;
  }
  return quoted;
}

test('every example and golden input tokenizes with the right scopes', async () => {
  const g = await grammar();
  const files = [...walk(path.join(root, 'examples'), []), ...goldenInputs()];
  assert.ok(files.length > 200, `only ${files.length} inputs`);
  for (const [name, text] of files) check(name, text, tokenize(g, text));
});

test('scopes of the shop example', async () => {
  const g = await grammar();
  const text = fs.readFileSync(path.join(root, 'examples', 'shop', 'shop.net'), 'utf8');
  const toks = tokenize(g, text).flat();
  const scopeOf = (word) => toks.find((t) => t.text.trim() === word)?.scopes.at(-1);
  assert.strictEqual(scopeOf('service'), 'storage.type.service.netc');
  assert.strictEqual(scopeOf('frontend'), 'entity.name.type.netc');
  assert.strictEqual(scopeOf('labels'), 'variable.other.attribute.netc');
  assert.strictEqual(scopeOf('postgres'), 'support.type.engine.netc');
  assert.strictEqual(scopeOf('world'), 'constant.language.world.netc');
  assert.strictEqual(scopeOf('->'), 'keyword.operator.arrow.netc');
  assert.strictEqual(scopeOf('!->'), 'keyword.operator.arrow.negated.netc');
  assert.strictEqual(scopeOf('5432'), 'constant.numeric.port.netc');
  assert.strictEqual(scopeOf('as'), 'keyword.other.netc');
  assert.strictEqual(scopeOf('assert'), 'keyword.control.assert.netc');
});

test('waivers, quoted names, CIDRs and names that contain reserved words', async () => {
  const g = await grammar();
  const src = 'user "alice@example.com # not a comment" can get pods in shop # netc:allow cluster-scope,any-port reason\n' +
    'external stripe 203.0.113.0/24, 2001:db8::/32\n' +
    'on-call -> db.in:9000-9100/udp; x !-> y\n';
  const lines = tokenize(g, src);
  const find = (n, text) => lines[n].find((t) => t.text === text);
  assert.ok(has(find(0, '"'), 'string.quoted.double.netc'));
  assert.ok(has(find(0, 'alice@example.com # not a comment'), 'string.quoted.double.netc'));
  assert.ok(!has(find(0, 'alice@example.com # not a comment'), 'comment.line.number-sign.netc'));
  assert.ok(has(find(0, 'netc:allow'), 'keyword.other.waiver.netc'));
  assert.ok(has(find(0, 'cluster-scope,any-port'), 'constant.other.rule-id.netc'));
  assert.ok(has(find(0, 'user'), 'storage.modifier.subject.netc'));
  assert.ok(has(find(1, '203.0.113.0/24'), 'constant.numeric.cidr.netc'));
  assert.ok(has(find(1, '2001:db8::/32'), 'constant.numeric.cidr.netc'));
  assert.ok(!lines[2].some((t) => has(t, 'keyword.other.netc')), 'on-call and db.in are names');
  assert.ok(has(find(2, 'udp'), 'support.constant.protocol.netc'));
  assert.ok(has(find(2, '!->'), 'keyword.operator.arrow.negated.netc'));
});
