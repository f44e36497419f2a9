/**
 * Auto-capture of form funnels: form_start, form_step (field completed or
 * step reached), form_submit and form_abandon. Field values are never read:
 * a field is described by name, type and position only.
 */
import type { FormInfo } from '../types';
import type { CaptureContext, CaptureModule } from './context';
import { listen } from '../lib/guard';
import { attrText, bound, cssPath, editableHost, eventElement, firstAttrText, isElement, isIgnored, PASSIVE, quiet, safeText, tagOf } from './element';

type Form = HTMLFormElement;
type Field = { name: string; type: string; position?: number };

interface FormState {
  form: Form;
  /** Steps already seen as visible, to notice the ones that appear. */
  visible: Set<Element>;
  /** The step reached last (name or 1-based index). */
  step?: string | number;
  completed: Set<Element>;
  /** Fields typed into since they were last completed: completed on focusout if no `change` came. */
  dirty: Set<Element>;
  lastField?: string;
  /** Submitted (and not rejected) or abandoned: the funnel is over, nothing more is reported. */
  done?: boolean;
  /** A submit whose outcome (sent or rejected) is decided once the site's handlers ran. */
  deciding?: { event: Event; timer: ReturnType<typeof setTimeout> };
}

/** What identifies a form on every event of its life: computed when it is first seen, never again. */
type FormIdentity = FormInfo & { selector: string };

/**
 * How long after a submit the site's validation may take to mark fields
 * invalid (async validators, a re-render): then the submit is judged.
 */
export const REJECT_CHECK_MS = 300;

const NOT_FIELDS = /^(?:submit|button|reset|image|hidden)$/;
// Card fields by `autocomplete` token (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#autofill-field).
const CARD_AUTOCOMPLETE = /(?:^|\s)cc-/i;
// Card and identity fields by name or id, for forms without autocomplete hints.
const CARD_NAME = /(?:^|[^a-z])(?:cc|cvv|cvc|csc|ccv|ssn|iban|pan)(?:[^a-z]|$)|card.?(?:number|num|no|code)|credit.?card|security.?code|expir/i;
const STEP_SELECTOR = '[data-waymark-step]';

/**
 * True when the page's validation left a visible field invalid: ARIA, or
 * constraint validation (`:invalid`; read from `validity`, since
 * `checkValidity()` would fire `invalid` events at the page).
 */
const isInvalid = (form: Form, win: Window): boolean =>
  formFields(form).some((field) => {
    const input = field as HTMLInputElement;
    const invalid = field.getAttribute('aria-invalid') === 'true' || (input.willValidate !== false && input.validity?.valid === false);
    // A required field in a step not shown yet is not one the visitor left invalid.
    return invalid && isVisible(field, win);
  }) || !!form.querySelector('[aria-invalid="true"]:not(input):not(select):not(textarea)');

/** The form control a visitor interacts with, or null. Hidden inputs and buttons are not fields. */
function asField(el: Element | null): Element | null {
  if (!el) return null;
  const tag = tagOf(el);
  if (tag === 'select' || tag === 'textarea') return el;
  if (tag === 'input') return NOT_FIELDS.test(inputType(el)) ? null : el;
  return editableHost(el);
}

/** An input's type as the browser reads it ('text' when missing or empty), or '' for other elements. */
function inputType(el: Element): string {
  return tagOf(el) === 'input' ? (el.getAttribute('type') ?? '').toLowerCase().trim() || 'text' : '';
}

/** The form a field belongs to (honours the `form` attribute). */
function formOf(field: Element): Form | null {
  const owner = (field as HTMLInputElement).form;
  return owner && isElement(owner) ? owner : field.closest('form');
}

/** The kind of a field whose very name could hint at its content: described by this kind only. */
function sensitiveKind(field: Element): string | undefined {
  const type = inputType(field);
  if (type === 'password' || type === 'hidden') return type;
  const ac = field.getAttribute('autocomplete') ?? '';
  if (/one-time-code/i.test(ac)) return 'one-time-code';
  if (CARD_AUTOCOMPLETE.test(ac) || CARD_NAME.test(`${field.getAttribute('name') ?? ''} ${field.getAttribute('id') ?? ''}`)) return 'card';
  return undefined;
}

/** The type of a field that is not sensitive. */
function fieldType(field: Element): string {
  const tag = tagOf(field);
  if (tag === 'select') return (field as HTMLSelectElement).multiple ? 'select-multiple' : 'select';
  return tag === 'textarea' ? 'textarea' : inputType(field) || 'contenteditable';
}

/** Name, type and 1-based position of a field: never its value. */
function describeField(field: Element, form: Form): Field {
  const position = formFields(form).indexOf(field) + 1;
  const kind = sensitiveKind(field);
  const type = kind ?? fieldType(field);
  // A sensitive field is named by its kind only: its own name could hint at its content.
  const name = kind ?? firstAttrText(field, ['name', 'id', 'aria-label']) ?? (position ? `field-${position}` : type);
  return position ? { name, type, position } : { name, type };
}

/** The fields of a form in document order, each once. */
function formFields(form: Form): Element[] {
  // form.elements also holds fields outside the form that point at it with `form="…"`.
  const all = [...Array.from((form.elements ?? []) as ArrayLike<Element>), ...Array.from(form.querySelectorAll('[contenteditable]'))];
  const fields = new Set(all.filter((el) => asField(el) === el));
  return [...fields].sort((a, b) => (a.compareDocumentPosition(b) & 4 ? -1 : 1));
}

/** Step containers of a form: `[data-waymark-step]` if it has any, else its fieldsets; outermost only. */
function stepContainers(form: Element): Element[] {
  const selector = form.querySelector(STEP_SELECTOR) ? STEP_SELECTOR : 'fieldset';
  // A fieldset grouping radio buttons inside a step is not a step of its own.
  return Array.from(form.querySelectorAll(selector)).filter((s) => {
    const outer = s.parentElement?.closest(selector);
    return !outer || !form.contains(outer);
  });
}

/** A step's name: its `data-waymark-step` value, its legend (masked) or its 1-based index. */
function stepName(step: Element, form: Form): string | number {
  const mark = step.getAttribute('data-waymark-step')?.trim();
  const legend = mark ? undefined : Array.from(step.children).find((c) => tagOf(c) === 'legend');
  return (mark ? bound(mark) : legend && safeText(legend)) ?? stepContainers(form).indexOf(step) + 1;
}

/** True when an element is rendered and visible: `checkVisibility()` where there is one, else computed styles. */
function isVisible(el: Element, win: Window): boolean {
  if (!el.isConnected) return false;
  const check = (el as Element & { checkVisibility?: (o?: object) => boolean }).checkVisibility;
  const native = typeof check === 'function';
  for (let node: Element | null = el; node; node = node.parentElement) {
    // The `hidden` attribute always: some DOMs (happy-dom) lack the UA stylesheet rule that hides it.
    if (node.hasAttribute('hidden')) return false;
    const style = native ? null : win.getComputedStyle?.(node);
    if (style && (style.display === 'none' || style.visibility === 'hidden')) return false;
  }
  return native ? check.call(el, { visibilityProperty: true }) : true;
}

/** A form's identity. getAttribute, not form.id / form.name: a field named "id" or "name" would shadow those. */
function identityOf(form: Form, scrub: (url: string) => string): FormIdentity {
  const known: FormIdentity = { selector: cssPath(form) };
  for (const key of ['id', 'name'] as const) {
    const text = attrText(form, key);
    if (text) known[key] = text;
  }
  const action = form.getAttribute('action');
  if (action) {
    let url = action;
    try {
      url = new URL(action, form.ownerDocument.baseURI).href;
    } catch {
      /* scrubbed as written */
    }
    known.action = scrub(url);
  }
  return known;
}

/** Capture form funnels. Listens in the capture phase on the document, before the page's own handlers. */
export const captureForms: CaptureModule = (ctx: CaptureContext) => {
  const forms = new Map<Form, FormState>();
  const ignored = (el: Element): boolean => isIgnored(el, ctx.privacy.ignoreSelector);
  const visibleIn = (steps: Element[]): Set<Element> => new Set(steps.filter((s) => isVisible(s, ctx.win)));

  // One identity per form element for its whole life: a route change (a relative
  // `action="#"` resolving against the next URL) or a re-render cannot make it look like another form.
  const identities = new WeakMap<Form, FormIdentity>();
  const identify = (form: Form): FormIdentity => {
    let known = identities.get(form);
    if (!known) identities.set(form, (known = identityOf(form, ctx.scrub)));
    return known;
  };

  const emit = (type: 'form_start' | 'form_step' | 'form_submit' | 'form_reject' | 'form_abandon', state: FormState, field?: Field, extra?: Record<string, unknown>): void => {
    const { selector, ...info } = identify(state.form);
    if (state.step !== undefined) info.step = state.step;
    if (field) info.field = field;
    if (type === 'form_reject') info.rejected = true;
    ctx.emit(type, { form: info, properties: { formSelector: selector, ...extra } }, state.form);
  };

  /** The state of a form, starting it (form_start) on first interaction. */
  const start = (form: Form): FormState => {
    let state = forms.get(form);
    if (state) return state;
    identify(form);
    state = { form, visible: visibleIn(stepContainers(form)), completed: new Set(), dirty: new Set() };
    // Emitted before the state is stored: a pending page view sent first may end the previous
    // route (which clears the forms), and this funnel belongs to the new one.
    emit('form_start', state);
    forms.set(form, state);
    observer?.observe(form, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['hidden', 'style', 'class', 'open', 'aria-hidden', 'data-waymark-step'],
    });
    return state;
  };

  const reach = (state: FormState, step: Element): void => {
    if (ignored(step)) return;
    const name = stepName(step, state.form);
    if (name === state.step) return;
    state.step = name;
    emit('form_step', state);
  };

  const complete = (form: Form, field: Element): void => {
    const state = start(form);
    const info = describeField(field, form);
    state.dirty.delete(field);
    state.completed.add(field);
    state.lastField = info.name;
    emit('form_step', state, info);
  };

  /** What each field event means for the funnel; submit is handled on its own (its target is the form). */
  const onField: Record<string, (form: Form, field: Element) => void> = {
    focusin(form, field) {
      const state = start(form);
      const step = stepContainers(form).find((s) => s.contains(field));
      if (step) reach(state, step);
    },
    input: (form, field) => void start(form).dirty.add(field),
    change: complete,
    focusout(form, field) {
      if (forms.get(form)?.dirty.has(field)) complete(form, field);
    },
  };
  // Only fields of a form, neither of them ignored.
  const onFieldEvent = quiet((event: Event) => {
    const field = asField(eventElement(event));
    const form = field && formOf(field);
    if (form && !ignored(field) && !ignored(form)) onField[event.type]!(form, field);
  });

  /**
   * Judge a submit once the site's handlers ran: not prevented, the browser
   * submits (the page goes): `form_submit`. Prevented (handled by script):
   * `form_reject` when the page's validation left fields invalid, else `form_submit`.
   */
  const decide = (state: FormState, final: boolean): void => {
    const pending = state.deciding;
    if (!pending) return;
    const prevented = pending.event.defaultPrevented;
    const rejected = prevented && isInvalid(state.form, ctx.win);
    if (prevented && !rejected && !final) {
      // Valid so far: give async validation and the re-render time (react-hook-form,
      // Formik), unless the page or route is being left first.
      pending.timer = setTimeout(quiet(() => decide(state, true)), REJECT_CHECK_MS);
      return;
    }
    clearTimeout(pending.timer);
    state.deciding = undefined;
    if (!rejected) state.done = true;
    emit(rejected ? 'form_reject' : 'form_submit', state);
  };

  const onSubmit = quiet((event: Event) => {
    const form = eventElement(event) as Form | null;
    if (!form || tagOf(form) !== 'form' || ignored(form)) return;
    const state = start(form);
    decide(state, true);
    // This listener runs first (capture phase): look again after the site's handlers.
    state.deciding = { event, timer: setTimeout(quiet(() => decide(state, false)), 0) };
  });

  // Steps that become visible (wizards that show the next fieldset, SPA steps rendered in place).
  const MO = (ctx.win as Window & { MutationObserver?: typeof MutationObserver }).MutationObserver;
  const observer =
    MO &&
    new MO(
      quiet(() => {
        for (const state of forms.values()) {
          if (state.done || !state.form.isConnected) continue;
          const all = stepContainers(state.form);
          const now = visibleIn(all);
          const appeared = all.find((s) => now.has(s) && !state.visible.has(s));
          state.visible = now;
          if (appeared) reach(state, appeared);
        }
      }),
    );

  // The leave and route listeners are guarded where they are called: one form's failure stops this round only.
  const abandon = (reason: 'leave' | 'route'): void => {
    // A submit still being judged is judged now, before the page or route goes.
    forms.forEach((state) => decide(state, true));
    for (const state of forms.values()) {
      if (state.done) continue;
      state.done = true;
      const extra: Record<string, unknown> = { fieldsCompleted: state.completed.size, reason };
      if (state.lastField) extra.lastField = state.lastField;
      emit('form_abandon', state, undefined, extra);
    }
  };

  const offs = [
    ctx.onLeave(() => abandon('leave')),
    ctx.onRoute(() => {
      abandon('route');
      // A new page: forms still on screen (a header search box) start a fresh funnel.
      forms.clear();
      observer?.disconnect();
    }),
    listen(ctx.doc, Object.keys(onField), onFieldEvent, PASSIVE),
    listen(ctx.doc, 'submit', onSubmit, PASSIVE),
  ];

  return () => {
    for (const state of forms.values()) clearTimeout(state.deciding?.timer);
    for (const off of offs) off();
    observer?.disconnect();
    forms.clear();
  };
};
