/**
 * Auto-capture of form funnels: form_start, form_step (field completed or
 * step reached), form_submit and form_abandon. Field values are never read:
 * a field is described by name, type and position only.
 */
import type { FormInfo } from '../types';
import type { CaptureContext, CaptureModule } from './context';
import { bound, cssPath, eventElement, isElement, isIgnored, safeText } from './element';

type Field = { name: string; type: string; position?: number };

interface FormState {
  /** Steps already seen as visible, to notice the ones that appear. */
  visible: Set<Element>;
  /** The step reached last (name or 1-based index). */
  step?: string | number;
  completed: Set<Element>;
  lastField?: string;
  submitted: boolean;
  abandoned: boolean;
  /** A submit whose outcome (sent or rejected) is decided once the site's handlers ran. */
  deciding?: { event: Event; timer: ReturnType<typeof setTimeout> };
}

/** What identifies a form on every event of its life: computed when it is first seen, never again. */
interface FormIdentity {
  id?: string;
  name?: string;
  action?: string;
  selector: string;
}

/**
 * How long after a submit the site's validation may take to mark fields
 * invalid (async validators, a re-render): then the submit is judged.
 */
export const REJECT_CHECK_MS = 300;
/**
 * True when the page's validation left a visible field invalid: ARIA, or
 * constraint validation (`:invalid`; read from `validity`, since
 * `checkValidity()` would fire `invalid` events at the page).
 */
const isInvalid = (form: HTMLFormElement, win: Window): boolean =>
  formFields(form).some((field) => {
    const input = field as HTMLInputElement;
    const invalid = field.getAttribute('aria-invalid') === 'true' || (input.willValidate !== false && input.validity?.valid === false);
    // A required field in a step not shown yet is not one the visitor left invalid.
    return invalid && isVisible(field, win);
  }) || !!form.querySelector('[aria-invalid="true"]:not(input):not(select):not(textarea)');

const NOT_FIELDS = new Set(['submit', 'button', 'reset', 'image', 'hidden']);
// Card fields by `autocomplete` token (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#autofill-field).
const CARD_AUTOCOMPLETE = /(?:^|\s)cc-/i;
// Card and identity fields by name or id, for forms without autocomplete hints.
const CARD_NAME = /(?:^|[^a-z])(?:cc|cvv|cvc|csc|ccv|ssn|iban|pan)(?:[^a-z]|$)|card.?(?:number|num|no|code)|credit.?card|security.?code|expir/i;
const STEP_SELECTOR = '[data-waymark-step]';

/** Run `fn`; never let it throw into the host page. */
const guard = (fn: () => void): void => {
  try {
    fn();
  } catch {
    /* never break the host page */
  }
};

/** The form control a visitor interacts with, or null. Hidden inputs and buttons are not fields. */
export function asField(el: Element | null): Element | null {
  if (!el) return null;
  const tag = el.tagName.toUpperCase();
  if (tag === 'SELECT' || tag === 'TEXTAREA') return el;
  if (tag === 'INPUT') return NOT_FIELDS.has(inputType(el)) ? null : el;
  const host = el.closest('[contenteditable]');
  return host && host.getAttribute('contenteditable') !== 'false' ? host : null;
}

function inputType(el: Element): string {
  return (el.getAttribute('type') ?? 'text').toLowerCase().trim() || 'text';
}

/** The form a field belongs to (honours the `form` attribute). */
function formOf(field: Element): HTMLFormElement | null {
  const owner = (field as HTMLInputElement).form;
  if (owner && isElement(owner)) return owner;
  return field.closest('form');
}

/** The kind of a field whose very name could hint at its content: described by this kind only. */
function sensitiveKind(field: Element): string | undefined {
  const tag = field.tagName.toUpperCase();
  const type = tag === 'INPUT' ? inputType(field) : '';
  if (type === 'password' || type === 'hidden') return type;
  const ac = field.getAttribute('autocomplete') ?? '';
  if (/one-time-code/i.test(ac)) return 'one-time-code';
  if (CARD_AUTOCOMPLETE.test(ac)) return 'card';
  const label = `${field.getAttribute('name') ?? ''} ${field.getAttribute('id') ?? ''}`;
  if (CARD_NAME.test(label)) return 'card';
  return undefined;
}

/** Name, type and 1-based position of a field: never its value. */
export function describeField(field: Element, form: HTMLFormElement): Field {
  const fields = formFields(form);
  const index = fields.indexOf(field);
  const position = index >= 0 ? index + 1 : undefined;
  const kind = sensitiveKind(field);
  if (kind) return position ? { name: kind, type: kind, position } : { name: kind, type: kind };
  const tag = field.tagName.toUpperCase();
  const type =
    tag === 'INPUT'
      ? inputType(field)
      : tag === 'SELECT'
        ? (field as HTMLSelectElement).multiple ? 'select-multiple' : 'select'
        : tag === 'TEXTAREA'
          ? 'textarea'
          : 'contenteditable';
  const name =
    bound(field.getAttribute('name')) ??
    bound(field.getAttribute('id')) ??
    bound(field.getAttribute('aria-label')) ??
    (position ? `field-${position}` : type);
  return position ? { name, type, position } : { name, type };
}

function formFields(form: HTMLFormElement): Element[] {
  const seen = new Set<Element>();
  const out: Element[] = [];
  const add = (el: Element | null) => {
    if (el && !seen.has(el)) {
      seen.add(el);
      out.push(el);
    }
  };
  // form.elements also holds fields outside the form that point at it with `form="…"`.
  const list = form.elements ? Array.from(form.elements as ArrayLike<Element>) : [];
  for (const el of list) add(asField(el) === el ? el : null);
  for (const el of Array.from(form.querySelectorAll('[contenteditable]'))) add(asField(el) === el ? el : null);
  return out.sort((a, b) => (a.compareDocumentPosition(b) & 4 ? -1 : 1));
}

/** Step containers of a form: `[data-waymark-step]` if it has any, else its fieldsets; outermost only. */
function stepContainers(form: Element): Element[] {
  const marked = Array.from(form.querySelectorAll(STEP_SELECTOR));
  const selector = marked.length ? STEP_SELECTOR : 'fieldset';
  const all = marked.length ? marked : Array.from(form.querySelectorAll(selector));
  // A fieldset grouping radio buttons inside a step is not a step of its own.
  return all.filter((s) => {
    const outer = s.parentElement?.closest(selector);
    return !outer || !form.contains(outer);
  });
}

/** A step's name: its `data-waymark-step` value, its legend (masked) or its 1-based index. */
function stepName(step: Element, all: Element[]): string | number {
  const mark = step.getAttribute('data-waymark-step')?.trim();
  if (mark) return bound(mark) ?? all.indexOf(step) + 1;
  const legend = Array.from(step.children).find((c) => c.tagName.toUpperCase() === 'LEGEND');
  const text = legend ? safeText(legend) : undefined;
  return text ?? all.indexOf(step) + 1;
}

function isVisible(el: Element, win: Window): boolean {
  if (!el.isConnected) return false;
  // The `hidden` attribute first: some DOMs (happy-dom) lack the UA stylesheet rule that hides it.
  for (let node: Element | null = el; node; node = node.parentElement) if (node.hasAttribute('hidden')) return false;
  const check = (el as Element & { checkVisibility?: (o?: object) => boolean }).checkVisibility;
  if (typeof check === 'function') return check.call(el, { visibilityProperty: true });
  for (let node: Element | null = el; node; node = node.parentElement) {
    const style = win.getComputedStyle?.(node);
    if (style && (style.display === 'none' || style.visibility === 'hidden')) return false;
  }
  return true;
}

/** Capture form funnels. Listens in the capture phase on the document, before the page's own handlers. */
export const captureForms: CaptureModule = (ctx: CaptureContext) => {
  const forms = new Map<HTMLFormElement, FormState>();
  // Fields typed into since they were last completed: completed on focusout if no `change` came.
  let dirty = new WeakSet<Element>();
  const ignore = () => ctx.privacy.ignoreSelector;

  // One identity per form element for its whole life: a route change (a relative
  // `action="#"` resolving against the next URL) or a re-render cannot make it look like another form.
  const identities = new WeakMap<HTMLFormElement, FormIdentity>();
  const identify = (form: HTMLFormElement): FormIdentity => {
    let known = identities.get(form);
    if (known) return known;
    // getAttribute, not form.id / form.name: a field named "id" or "name" would shadow those.
    const id = bound(form.getAttribute('id'));
    const name = bound(form.getAttribute('name'));
    const action = form.getAttribute('action');
    known = { selector: cssPath(form) };
    if (id) known.id = id;
    if (name) known.name = name;
    if (action) {
      try {
        known.action = ctx.scrub(new URL(action, form.ownerDocument.baseURI).href);
      } catch {
        known.action = ctx.scrub(action);
      }
    }
    identities.set(form, known);
    return known;
  };

  const emit = (
    type: 'form_start' | 'form_step' | 'form_submit' | 'form_reject' | 'form_abandon',
    form: HTMLFormElement,
    state: FormState | undefined,
    field?: Field,
    extra?: Record<string, unknown>,
  ): void => {
    const { selector, ...info } = identify(form) as FormIdentity & FormInfo;
    if (state?.step !== undefined) info.step = state.step;
    if (field) info.field = field;
    if (type === 'form_reject') info.rejected = true;
    ctx.emit(type, { form: info, properties: { formSelector: selector, ...extra } }, form);
  };

  /** The state of a form, starting it (form_start) on first interaction. */
  const start = (form: HTMLFormElement): FormState => {
    let state = forms.get(form);
    if (state) return state;
    identify(form);
    state = { visible: new Set(), completed: new Set(), submitted: false, abandoned: false };
    for (const step of stepContainers(form)) if (isVisible(step, ctx.win)) state.visible.add(step);
    // Emitted before the state is stored: a pending page view sent first may end the previous
    // route (which clears the forms), and this funnel belongs to the new one.
    emit('form_start', form, state);
    forms.set(form, state);
    watch(form);
    return state;
  };

  const reach = (form: HTMLFormElement, state: FormState, step: Element, all: Element[]): void => {
    if (isIgnored(step, ignore())) return;
    const name = stepName(step, all);
    if (name === state.step) return;
    state.step = name;
    emit('form_step', form, state);
  };

  /** The form and field behind an event, unless it is not a form field or is ignored. */
  const target = (event: Event): { form: HTMLFormElement; field: Element } | null => {
    const field = asField(eventElement(event));
    if (!field) return null;
    const form = formOf(field);
    if (!form || isIgnored(field, ignore()) || isIgnored(form, ignore())) return null;
    return { form, field };
  };

  const complete = (form: HTMLFormElement, field: Element): void => {
    dirty.delete(field);
    const state = start(form);
    const info = describeField(field, form);
    state.completed.add(field);
    state.lastField = info.name;
    emit('form_step', form, state, info);
  };

  const onFocusIn = (event: Event): void => {
    try {
      const t = target(event);
      if (!t) return;
      const state = start(t.form);
      const all = stepContainers(t.form);
      const step = all.find((s) => s.contains(t.field));
      if (step) reach(t.form, state, step, all);
    } catch {
      /* never break the host page */
    }
  };

  const onInput = (event: Event): void => {
    try {
      const t = target(event);
      if (!t) return;
      start(t.form);
      dirty.add(t.field);
    } catch {
      /* never break the host page */
    }
  };

  const onChange = (event: Event): void => {
    try {
      const t = target(event);
      if (t) complete(t.form, t.field);
    } catch {
      /* never break the host page */
    }
  };

  const onFocusOut = (event: Event): void => {
    try {
      const t = target(event);
      if (t && dirty.has(t.field)) complete(t.form, t.field);
    } catch {
      /* never break the host page */
    }
  };

  /**
   * Judge a submit once the site's handlers ran: not prevented, the browser
   * submits (the page goes): `form_submit`. Prevented (handled by script):
   * `form_reject` when the page's validation left fields invalid, else `form_submit`.
   */
  const decide = (form: HTMLFormElement, state: FormState, final: boolean): void => {
    const pending = state.deciding;
    if (!pending) return;
    const prevented = pending.event.defaultPrevented;
    const rejected = prevented && isInvalid(form, ctx.win);
    if (prevented && !rejected && !final) {
      // Valid so far: give async validation and the re-render time (react-hook-form,
      // Formik), unless the page or route is being left first.
      pending.timer = setTimeout(() => guard(() => decide(form, state, true)), REJECT_CHECK_MS);
      return;
    }
    clearTimeout(pending.timer);
    state.deciding = undefined;
    if (!rejected) state.submitted = true;
    emit(rejected ? 'form_reject' : 'form_submit', form, state);
  };
  const decideAll = (): void => {
    for (const [form, state] of forms) guard(() => decide(form, state, true));
  };

  const onSubmit = (event: Event): void => {
    guard(() => {
      const form = eventElement(event);
      if (!form || form.tagName.toUpperCase() !== 'FORM' || isIgnored(form, ignore())) return;
      const state = start(form as HTMLFormElement);
      if (state.deciding) decide(form as HTMLFormElement, state, true);
      // This listener runs first (capture phase): look again after the site's handlers.
      state.deciding = { event, timer: setTimeout(() => guard(() => decide(form as HTMLFormElement, state, false)), 0) };
    });
  };

  // Steps that become visible (wizards that show the next fieldset, SPA steps rendered in place).
  const MO = (ctx.win as Window & { MutationObserver?: typeof MutationObserver }).MutationObserver;
  const observer = MO ? new MO(() => checkSteps()) : undefined;
  const watch = (form: HTMLFormElement): void => {
    try {
      observer?.observe(form, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['hidden', 'style', 'class', 'open', 'aria-hidden', 'data-waymark-step'],
      });
    } catch {
      /* never break the host page */
    }
  };
  const checkSteps = (): void => {
    try {
      for (const [form, state] of forms) {
        if (state.submitted || state.abandoned || !form.isConnected) continue;
        const all = stepContainers(form);
        const now = new Set(all.filter((s) => isVisible(s, ctx.win)));
        const appeared = all.find((s) => now.has(s) && !state.visible.has(s));
        state.visible = now;
        if (appeared) reach(form, state, appeared, all);
      }
    } catch {
      /* never break the host page */
    }
  };

  const abandon = (reason: 'leave' | 'route'): void => {
    // A submit still being judged is judged now, before the page or route goes.
    decideAll();
    for (const [form, state] of forms) {
      if (state.submitted || state.abandoned) continue;
      state.abandoned = true;
      try {
        const extra: Record<string, unknown> = { fieldsCompleted: state.completed.size, reason };
        if (state.lastField) extra.lastField = state.lastField;
        emit('form_abandon', form, state, undefined, extra);
      } catch {
        /* never break the host page */
      }
    }
  };

  const offLeave = ctx.onLeave(() => abandon('leave'));
  const offRoute = ctx.onRoute(() => {
    abandon('route');
    // A new page: forms still on screen (a header search box) start a fresh funnel.
    forms.clear();
    dirty = new WeakSet();
    observer?.disconnect();
  });

  const listeners: Array<[string, (e: Event) => void]> = [
    ['focusin', onFocusIn],
    ['input', onInput],
    ['change', onChange],
    ['focusout', onFocusOut],
    ['submit', onSubmit],
  ];
  const opts: AddEventListenerOptions = { capture: true, passive: true };
  for (const [type, fn] of listeners) ctx.doc.addEventListener(type, fn, opts);

  return () => {
    for (const state of forms.values()) if (state.deciding) clearTimeout(state.deciding.timer);
    for (const [type, fn] of listeners) ctx.doc.removeEventListener(type, fn, opts);
    observer?.disconnect();
    offLeave();
    offRoute();
    forms.clear();
  };
};
