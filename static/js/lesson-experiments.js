// An "experiments" lesson (part 6): the homework's questions as presets of the
// experiment runner, each one link away.

import { h } from './dom.js';
import { rich } from './notation.js';

const arch = (hidden) => (hidden.length ? `(${hidden.join(', ')})` : '()');

export async function mount({ lesson, api, text, stage }) {
  const hide = new URLSearchParams(window.location.search).get('answers') === 'hide';
  text.replaceChildren(h('ol', { class: 'questions', 'data-testid': 'presets' }, ...lesson.presets.map((p) => h('li', { class: 'question' },
    h('div', { class: 'question-head' }, h('span', { class: 'question-id' }, p.question), h('span', { class: 'question-text' }, rich(p.text))),
    h('p', { class: 'hint' }, `Architectures ${p.architectures.map(arch).join(', ')}; ${p.epochs} epochs, ${p.trials} trial${p.trials > 1 ? 's' : ''}, split ${p.split}; homework data "${p.homework_data}" (stand-in: ${p.stand_in}).`),
    h('a', { class: 'btn btn-small', href: `/experiments?preset=${p.question}${hide ? '&answers=hide' : ''}`, 'data-testid': `preset-${p.question}` }, `Open ${p.question} in the runner`)))));
  stage.replaceChildren(h('div', { class: 'lesson-note' },
    h('h2', {}, 'The experiment runner'),
    h('p', {}, 'Each preset fills in the runner: the architectures, epochs, trials and split of the question. Load the homework\'s files there (or keep the built-in stand-in), press Run, and watch the trials finish: each appears as a small picture of its regions and unit lines with its accuracy, stuck or poor trials marked, and opens in the playground on a click. The results show the minimum, maximum and mean validation accuracy of each architecture, the validation-loss curve of every trial with its minimum marked, the decision regions of the best and the worst trial, and the predicted classes of the points you list.'),
    h('a', { class: 'btn', href: '/experiments', 'data-testid': 'open-runner' }, 'Open the runner')));
  window.lessonIdle = () => api.pending === 0;
}
