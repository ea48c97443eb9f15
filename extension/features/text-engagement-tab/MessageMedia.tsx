/**
 * A text's pictures and files. The bytes come from our server through the background (the only
 * part that talks to it: request('media.get') → a data: URL), never from the provider and never
 * fetched by the host page; they are shown from a blob: URL made here, released when gone.
 * Pictures show inline with "Image from <name>" as their text alternative; anything else is a
 * download link. An attachment the server could not fetch from the provider says so.
 */
import type { MessageMedia as Media } from '../../../shared/api';
import { useEffect, useState } from 'preact/hooks';
import { request } from '../../lib/relay';

const INLINE_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

type Loaded = { state: 'loading' } | { state: 'ready'; objectUrl: string } | { state: 'error' };

/** A data: URL's bytes as a Blob (no fetch: that could be refused by the host page's CSP). */
export function blobOfDataUrl(dataUrl: string): Blob {
  const comma = dataUrl.indexOf(',');
  const type = dataUrl.slice(5, comma).replace(/;base64$/, '');
  const binary = atob(dataUrl.slice(comma + 1));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type });
}

function Attachment({ media, from }: { media: Media; from: string }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const stored = media.status === 'stored';
  useEffect(() => {
    if (!stored) return;
    let objectUrl: string | null = null;
    let live = true;
    void request('media.get', { url: media.url }).then((result) => {
      if (!live) return;
      if (!result.ok) return setLoaded({ state: 'error' });
      objectUrl = URL.createObjectURL(blobOfDataUrl(result.data.dataUrl));
      setLoaded({ state: 'ready', objectUrl });
    });
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [media.url, stored]);

  if (media.status === 'failed' || loaded.state === 'error') return <span class="te-conv-attachment is-unavailable">Attachment unavailable</span>;
  if (media.status === 'pending' || loaded.state === 'loading') return <span class="te-conv-attachment is-loading">Loading attachment…</span>;
  if (INLINE_IMAGES.has(media.contentType)) return <img class="te-conv-image" src={loaded.objectUrl} alt={`Image from ${from}`} />;
  return (
    <a class="te-conv-attachment" href={loaded.objectUrl} download={`attachment-${media.url.split('/').pop()}`}>
      Download attachment ({media.contentType})
    </a>
  );
}

export function MessageMedia({ media, from }: { media: Media[]; from: string }) {
  if (!media.length) return null;
  return (
    <div class="te-conv-media">
      {media.map((m) => (
        <Attachment key={m.url} media={m} from={from} />
      ))}
    </div>
  );
}
