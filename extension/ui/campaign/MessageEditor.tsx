/** The message textarea with its template picker, merge-field buttons and a live character and segment counter. */
import type { Signal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import type { Template } from '../../../shared/api';
import { countSegments, MAX_BODY_CHARACTERS } from '../../../shared/segments';
import { MenuButton } from './MenuButton';
import { ChevronDown, Template as TemplateIcon } from './icons';

const FIELDS: [string, string][] = [
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['jobTitle', 'Job title'],
  ['recruiterName', 'Your name'],
  ['calendarLink', 'Calendar link'],
];

export function MessageEditor({ body, templateId, templates }: { body: Signal<string>; templateId: Signal<number | null>; templates: Template[] | null }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const caret = useRef<[number, number] | null>(null);
  const remember = () => {
    const el = area.current;
    if (el) caret.current = [el.selectionStart, el.selectionEnd];
  };

  function insert(field: string) {
    const text = `{{${field}}}`;
    const value = body.value;
    const [start, end] = caret.current ?? [value.length, value.length];
    const before = value.slice(0, start);
    const spaced = before && !/\s$/.test(before) ? ` ${text}` : text;
    body.value = before + spaced + value.slice(end);
    const at = start + spaced.length;
    caret.current = [at, at];
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(at, at);
    });
  }

  const info = countSegments(body.value);
  const over = info.characters > MAX_BODY_CHARACTERS;
  const template = templates?.find((t) => t.id === templateId.value);

  return (
    <div class="te-cv-editor">
      <div class="te-cv-editor-label">
        <label for="te-cv-body" class="te-label">
          Message
        </label>
        <MenuButton
          label={
            <>
              <TemplateIcon /> Templates <ChevronDown />
            </>
          }
          testId="te-cv-templates"
          items={
            templates?.length
              ? templates.map((t) => ({
                  label: t.name,
                  testId: 'te-cv-template',
                  onSelect: () => {
                    body.value = t.body;
                    templateId.value = t.id;
                    caret.current = null;
                    requestAnimationFrame(() => area.current?.focus());
                  },
                }))
              : [{ label: templates ? 'No templates yet' : 'Loading templates…', disabled: true, onSelect: () => undefined }]
          }
        />
      </div>
      <textarea
        id="te-cv-body"
        ref={area}
        class="te-textarea te-cv-body"
        rows={5}
        value={body.value}
        placeholder="Hi {{firstName}}, …"
        aria-describedby="te-cv-counter te-cv-body-help"
        aria-invalid={over}
        data-testid="te-cv-body"
        onInput={(e) => {
          body.value = e.currentTarget.value;
          remember();
        }}
        onSelect={remember}
        onKeyUp={remember}
        onBlur={remember}
      />
      <div class="te-cv-fields" role="group" aria-label="Insert a merge field">
        <span class="te-help">Insert:</span>
        {FIELDS.map(([field, label]) => (
          <button
            key={field}
            type="button"
            class="te-cv-field-chip"
            onClick={() => insert(field)}
            aria-label={`Insert ${label} merge field`}
            data-testid={`te-cv-field-${field}`}
          >
            {label}
          </button>
        ))}
      </div>
      <p id="te-cv-counter" class={`te-cv-counter${over ? ' is-over' : ''}`} data-testid="te-cv-counter">
        <span>
          {info.characters.toLocaleString('en-US')} / {MAX_BODY_CHARACTERS.toLocaleString('en-US')} characters
        </span>
        <span aria-hidden="true">·</span>
        <span>
          {info.segments} {info.segments === 1 ? 'segment' : 'segments'} ({info.encoding})
        </span>
        {info.encoding === 'UCS-2' && (
          <span class="te-cv-counter-note">Unicode characters ({info.nonGsmCharacters.slice(0, 3).join(' ')}) allow 70 per segment.</span>
        )}
      </p>
      <p id="te-cv-body-help" class="te-help">
        {over
          ? `Too long: texts can be at most ${MAX_BODY_CHARACTERS.toLocaleString('en-US')} characters.`
          : 'Counted before merge fields are filled in; the Review shows the real texts. Each text goes by the candidate’s channel (SMS or WhatsApp).'}
        {template &&
          !over &&
          template.body === body.value &&
          ` Template: ${template.name}${template.contentSid ? ' (WhatsApp content: reaches WhatsApp candidates outside the 24-hour window when sent unedited)' : ''}.`}
      </p>
    </div>
  );
}
