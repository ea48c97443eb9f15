/**
 * One labelled text input of the panel's forms, with its error (which marks it invalid and is
 * read with it) and its help below. Used by "Add to Text Engagement" and the consent question.
 */
import type { ComponentChildren } from 'preact';

export function TextField(props: {
  id: string;
  label: string;
  /** The input's name: forms and tests find the field by it. */
  name: string;
  value: string;
  error?: string;
  onInput(value: string): void;
  type?: string;
  autocomplete?: string;
  help?: ComponentChildren;
  wide?: boolean;
}) {
  const { id, name, error } = props;
  const helpId = props.help ? `${id}-help` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div class={`te-conv-add-field${props.wide ? ' is-wide' : ''}`}>
      <label class="te-conv-label" for={id}>
        {props.label}
      </label>
      <input
        id={id}
        name={name}
        class="te-conv-input"
        type={props.type ?? 'text'}
        autocomplete={props.autocomplete ?? 'off'}
        value={props.value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={[errorId, helpId].filter(Boolean).join(' ') || undefined}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      {error && (
        <p id={errorId} class="te-conv-field-error" data-error-for={name}>
          {error}
        </p>
      )}
      {props.help && (
        <p id={helpId} class="te-conv-help">
          {props.help}
        </p>
      )}
    </div>
  );
}
