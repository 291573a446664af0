// A lesson page (/lesson/<name>): reads the lesson file from the server, lays
// out its explanation and questions, and hands the rest to the module for its
// kind. Every answer is computed live by the server's probe routes; with
// ?answers=hide they stay covered until clicked (a teacher's view).

import { Api } from './api.js';
import { h } from './dom.js';
import { rich } from './notation.js';
import { Answers } from './lesson-ui.js';
import { LessonPresenter } from './lesson-presenter.js';

const KINDS = {
  function: () => import('./lesson-function.js'),
  plane: () => import('./lesson-plane.js'),
  softmax: () => import('./lesson-softmax.js'),
  experiments: () => import('./lesson-experiments.js'),
};

const $ = (id) => document.getElementById(id);

/** A link to another lesson keeps this page's view (answers hidden, presenter mode). */
function lessonHref(name) {
  const here = new URLSearchParams(window.location.search);
  const keep = new URLSearchParams([...here].filter(([k]) => k === 'answers' || k === 'presenter'));
  return `/lesson/${name}${keep.size ? `?${keep}` : ''}`;
}

async function start() {
  const root = $('lesson');
  const name = root.dataset.lesson;
  const params = new URLSearchParams(window.location.search);
  const hidden = params.get('answers') === 'hide';
  const api = new Api();
  const [lesson, list] = await Promise.all([api.request('GET', `/api/lessons/${encodeURIComponent(name)}`), api.request('GET', '/api/lessons')]);
  document.title = `${lesson.title} · Crease`;
  root.dataset.kind = lesson.kind;
  const links = list.lessons.map((l) => h('a', {
    href: lessonHref(l.name), class: l.name === name ? 'current' : '', 'aria-current': l.name === name ? 'page' : null, 'data-testid': `lesson-link-${l.name}`,
    title: `Problem ${l.problem}: ${l.title}`, 'aria-label': `Problem ${l.problem}: ${l.title}`,
  }, h('span', { class: 'nav-problem' }, l.problem), h('span', { class: 'nav-title' }, ` · ${l.title}`)));
  $('lesson-nav').replaceChildren(...links);
  const relink = () => links.forEach((a, i) => a.setAttribute('href', lessonHref(list.lessons[i].name)));
  const toggle = $('hide-answers');
  toggle.checked = hidden;
  toggle.addEventListener('change', () => {
    const q = new URLSearchParams(window.location.search);
    if (toggle.checked) q.set('answers', 'hide');
    else q.delete('answers');
    window.location.search = q.toString();
  });
  $('lesson-title').replaceChildren(h('span', { class: 'problem' }, `Problem ${lesson.problem}`), ' ', lesson.title);
  $('lesson-explanation').replaceChildren(...(lesson.explanation ?? [lesson.summary]).map((p) => h('p', {}, rich(p))));
  let view = null; // what the kind's mount returns: {redraw} where it has charts
  new LessonPresenter($('presenter-toggle'), () => {
    relink();
    view?.redraw?.();
  });
  relink();
  const module = await KINDS[lesson.kind]();
  const answers = new Answers(hidden);
  view = await module.mount({ lesson, api, answers, text: $('lesson-questions'), stage: $('lesson-stage'), inspector: $('lesson-inspector') });
  let resizing = null; // a zoom or a narrower window: the charts fit their column again
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => view?.redraw?.(), 100);
  });
  document.body.dataset.ready = 'true';
}

start().catch((err) => {
  const box = document.getElementById('lesson-questions');
  if (box) box.replaceChildren(h('p', { class: 'field-error', role: 'alert' }, `This lesson could not be opened: ${err.message}`));
  console.warn(err);
});
