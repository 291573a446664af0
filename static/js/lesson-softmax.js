// A "softmax" lesson (3.3): the textbook softmax and the max-shifted one side
// by side, both computed in float64 by the server (POST /api/softmax), for the
// lesson's cases and for any z the student types. The homework's choices are
// then answered from what the cases show.

import { h } from './dom.js';
import { fmt, fmtVector, rich, sym } from './notation.js';
import { questionList } from './lesson-ui.js';

/** "1000, 999, 998" -> [1000, 999, 998], or null. */
function parseZ(text) {
  const parts = text.split(/[\s,;[\]]+/).filter(Boolean);
  const z = parts.map(Number);
  return z.length && z.length <= 16 && z.every(Number.isFinite) ? z : null;
}

function caseTable(label, r, testid) {
  const cls = (v) => (typeof v === 'string' ? 'num bad' : 'num');
  const row = (name, values, good = true) => h('tr', {}, h('th', { scope: 'row' }, name),
    ...values.map((v) => h('td', { class: good ? cls(v) : 'num' }, fmt(v))));
  const verdict = r.naive.finite
    ? h('p', { class: 'verdict ok' }, 'The textbook formula works here, and both agree.')
    : h('p', { class: 'verdict bad' }, `The textbook formula fails: ${r.naive.problems.join(', ')} (float64's exp(z) overflows above z ≈ ${fmt(r.exp_limit)}).`);
  return h('section', { class: 'softmax-case', 'data-testid': testid },
    h('h3', {}, label, ': z = ', h('span', { class: 'num' }, fmtVector(r.z))),
    h('table', { class: 'matrix softmax-table' },
      h('tbody', {},
        h('tr', { class: 'group' }, h('th', { colspan: String(r.z.length + 1) }, 'textbook: ', sym('g', null, 'i'), ' = exp(', sym('z', null, 'i'), ') / Σ exp(', sym('z', null, 'j'), ')')),
        row(h('span', {}, 'exp(', sym('z', null, 'i'), ')'), r.naive.exp),
        row(sym('g', null, 'i'), r.naive.g),
        h('tr', { class: 'group' }, h('th', { colspan: String(r.z.length + 1) }, 'shifted by m = max(z) = ', fmt(r.max))),
        row(h('span', {}, sym('z', null, 'i'), ' − m'), r.stable.shifted),
        row(h('span', {}, 'exp(', sym('z', null, 'i'), ' − m)'), r.stable.exp),
        row(sym('g', null, 'i'), r.stable.g))),
    verdict);
}

export async function mount({ lesson, api, answers, text, stage }) {
  const compare = (z) => api.request('POST', '/api/softmax', { z });
  const results = await Promise.all(lesson.cases.map((c) => compare(c.z)));
  const input = h('input', { type: 'text', value: '710, 0', 'data-testid': 'softmax-z', 'aria-label': 'your z' });
  const mine = h('div', { 'data-testid': 'softmax-mine' });
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const tryIt = async () => {
    const z = parseZ(input.value);
    error.hidden = z !== null;
    if (!z) {
      error.textContent = 'Type up to 16 numbers separated by commas.';
      return;
    }
    mine.replaceChildren(caseTable('your z', await compare(z), 'softmax-case-mine'));
  };
  input.addEventListener('change', tryIt);
  stage.replaceChildren(
    h('div', { class: 'softmax-try' }, h('label', { class: 'field' }, h('span', {}, 'Try your own z (comma separated)'), input), error, mine),
    ...lesson.cases.map((c, i) => caseTable(c.label, results[i], `softmax-case-${i}`)));
  await tryIt();

  // The homework's choices, answered from the cases.
  const agreeing = results.filter((r) => r.naive.finite);
  const largestDiff = Math.max(0, ...agreeing.flatMap((r) => r.naive.g.map((g, i) => Math.abs(g - r.stable.g[i]))));
  const failing = results.filter((r) => !r.naive.finite);
  const checks = {
    values_change: [false, `No: where the textbook formula works, the two agree to ${fmt(largestDiff)} (rounding); the shift cancels exactly in the fraction.`],
    naive_fails: [failing.length > 0, failing.length
      ? `Yes: ${failing.map((r) => `z = ${fmtVector(r.z)} gives ${fmtVector(r.naive.g)}`).join('; ')}: exp(z) overflows to inf and inf/inf is nan, while the shifted formula gives finite probabilities.`
      : 'No case here overflows.'],
    none: [false, null],
  };
  const q = lesson.questions[0];
  text.replaceChildren(questionList({ questions: lesson.questions.map((qq) => ({ ...qq, answers: [] })) }, answers, {}),
    h('table', { class: 'options-table', 'data-testid': 'softmax-options' },
      h('thead', {}, h('tr', {}, h('th', {}, 'choice'), h('th', {}, 'true?'), h('th', {}, 'why, from the cases'))),
      h('tbody', {}, ...q.softmax_options.map((o, i) => {
        const key = `${q.id}-choice-${i}`;
        return h('tr', {}, h('td', {}, rich(o.text)), h('td', {}, answers.slot(key)), h('td', {}, answers.slot(`${key}-why`)));
      }))));
  q.softmax_options.forEach((o, i) => {
    const [truth, why] = checks[o.check];
    answers.set(`${q.id}-choice-${i}`, truth ? 'yes' : 'no', { raw: true });
    answers.set(`${q.id}-choice-${i}-why`, why ?? o.note ?? '', { raw: true });
  });
  window.lessonIdle = () => api.pending === 0;
}
