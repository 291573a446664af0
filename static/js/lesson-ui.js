// The parts every lesson page shares: answer slots (covered while a teacher
// hides the answers) and the list of the homework's questions.

import { h } from './dom.js';
import { rich } from './notation.js';
import { showValue } from './lesson-model.js';

export const testid = (text) => text.replace(/[^A-Za-z0-9.]+/g, '-');

/**
 * The answer slots of a lesson: one <output> per answer, filled by the kind's
 * module through set(key, value, answer). Covered while answers are hidden.
 */
export class Answers {
  constructor(hidden) {
    this.hidden = hidden;
    this.slots = new Map();
    this.wheres = new Map();
    this.revealed = new Set(); // kept when the questions are drawn again
  }

  slot(key, extra = {}) {
    const prev = this.slots.get(key); // drawn again: keep the value until the new one comes
    const out = h('output', { class: 'answer', 'data-testid': `answer-${testid(key)}`, ...extra }, prev ? prev.textContent : '…');
    if (prev?.dataset.value) out.dataset.value = prev.dataset.value;
    const cover = h('button', {
      class: 'answer-cover', type: 'button', 'data-testid': `reveal-${testid(key)}`, title: 'Show this answer',
      onclick: () => {
        out.hidden = false;
        cover.hidden = true;
        this.revealed.add(key);
      },
    }, 'show');
    out.hidden = this.hidden && !this.revealed.has(key);
    cover.hidden = !out.hidden;
    const where = h('span', { class: 'answer-where', 'data-testid': `where-${testid(key)}` });
    this.slots.set(key, out);
    this.wheres.set(key, where);
    return h('span', { class: 'answer-slot' }, out, cover, where);
  }

  /** A note after the value, e.g. the x a case was evaluated at. */
  where(key, text) {
    const el = this.wheres.get(key);
    if (el) el.textContent = text ? ` ${text}` : '';
  }

  set(key, value, answer = {}) {
    const out = this.slots.get(key);
    if (!out) return;
    out.textContent = typeof value === 'string' && answer.raw ? value : showValue(value, answer);
    out.dataset.value = JSON.stringify(value ?? null);
  }

  note(key, text) {
    const out = this.slots.get(key);
    if (out) out.title = text;
  }
}

/**
 * The standard question list: text, then per answer its label, expression and
 * value slot, then what extra(question) adds for a kind's own forms (1.5's table).
 */
export function questionList(lesson, answers, vars, { onInspect = null, extra = () => null } = {}) {
  return h('ol', { class: 'questions', 'data-testid': 'questions' }, ...lesson.questions.map((q) => h('li', { class: 'question', 'data-testid': `question-${testid(q.id)}` },
    h('div', { class: 'question-head' }, h('span', { class: 'question-id' }, q.id), h('span', { class: 'question-text' }, rich(q.text, vars))),
    (q.answers ?? []).map((a, i) => {
      const key = `${q.id}-${i}`;
      return h('div', { class: 'answer-row' },
        h('span', { class: 'answer-label' }, rich(a.label, vars)),
        a.expression && h('span', { class: 'answer-expr' }, ' = ', rich(a.expression, vars)),
        h('span', { class: 'answer-eq' }, ' = '),
        a.text ? h('span', { class: 'answer-slot' }, rich(a.text, vars)) : answers.slot(key),
        onInspect && a.probe && Array.isArray(a.probe.x) && h('button', {
          class: 'btn-link', type: 'button', title: 'Show this point in the inspector', onclick: () => onInspect(a.probe),
        }, 'inspect'));
    }),
    extra(q) || null)));
}
