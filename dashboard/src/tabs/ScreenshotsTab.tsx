// Screenshots: a thumbnail grid through the short-lived read links, a lightbox (a modal <dialog>: Escape closes,
// arrow keys move), and "Download all" as one ZIP built by the API (GET …/screenshots/archive).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { ScreenshotView } from '../api/types';
import { Empty, ErrorState, Loading, errorText } from '../components/states';
import { usePaged } from '../components/paged';
import { isWithheld, WithheldChip } from '../components/Withheld';
import { saveFile, time } from '../format';
import type { TabProps } from '../pages/SessionDetail';

function Lightbox({ shots, index, onMove, onClose }: { shots: ScreenshotView[]; index: number; onMove: (index: number) => void; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const shot = shots[index]!;
  return (
    <dialog
      class="lightbox"
      ref={dialog}
      aria-label={`Screenshot ${index + 1} of ${shots.length}`}
      onClose={onClose}
      onKeyDown={(event) => {
        if (event.key === 'ArrowRight') onMove((index + 1) % shots.length);
        if (event.key === 'ArrowLeft') onMove((index - 1 + shots.length) % shots.length);
      }}
    >
      <img src={shot.readUrl} alt={`Screenshot taken ${time(shot.capturedAt)} (${shot.trigger})`} />
      <p>
        {index + 1} / {shots.length} · {time(shot.capturedAt)} · {shot.trigger} · {shot.width}×{shot.height}{' '}
        <button type="button" onClick={() => onMove((index - 1 + shots.length) % shots.length)}>
          Previous
        </button>{' '}
        <button type="button" onClick={() => onMove((index + 1) % shots.length)}>
          Next
        </button>{' '}
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </p>
    </dialog>
  );
}

export function ScreenshotsTab({ session, liveVersion }: TabProps) {
  const screenshots = usePaged(
    (continuationToken, signal) => api.listScreenshots(session.id, { pageSize: 100, continuationToken }, signal),
    session.id,
    liveVersion,
  );
  const [open, setOpen] = useState<number>();
  const [download, setDownload] = useState<{ busy: boolean; message?: string }>({ busy: false });
  const confirmed = (screenshots.items ?? []).filter((shot) => shot.status === 'confirmed');
  // Without Diagnostics.Sensitive the API signs no link: the marker stands where the images would be.
  const withheld = confirmed.map((shot) => shot.readUrl as unknown).find(isWithheld);
  const shots = confirmed.filter((shot) => typeof shot.readUrl === 'string' && shot.readUrl);

  const downloadAll = async () => {
    setDownload({ busy: true });
    try {
      const archive = await api.screenshotArchive(session.id);
      saveFile(archive.blob, archive.fileName);
      setDownload({ busy: false, message: `Downloaded ${archive.fileName}.` });
    } catch (failure) {
      setDownload({ busy: false, message: errorText(failure) });
    }
  };

  return (
    <div>
      <div class="page-head">
        <p class="muted">{shots.length} screenshot(s). Links expire after a few minutes; reopen the tab for fresh ones.</p>
        <button type="button" onClick={() => void downloadAll()} disabled={download.busy || shots.length === 0}>
          Download all (ZIP)
        </button>
      </div>
      {download.message ? (
        <p class="notice" role="status">
          {download.message}
        </p>
      ) : null}
      {screenshots.error ? <ErrorState error={screenshots.error} retry={screenshots.reload} /> : null}
      {!screenshots.items && !screenshots.error ? <Loading label="Loading screenshots…" /> : null}
      {withheld ? (
        <p>
          {confirmed.length} screenshot(s): <WithheldChip marker={withheld} label="Screenshots" />
        </p>
      ) : null}
      {screenshots.items && confirmed.length === 0 ? <Empty>No screenshots yet.</Empty> : null}
      <div class="grid">
        {shots.map((shot, index) => (
          <figure key={shot.id}>
            <button type="button" class="thumb" onClick={() => setOpen(index)} aria-label={`Open screenshot taken ${time(shot.capturedAt)}`}>
              <img src={shot.readUrl} alt="" loading="lazy" />
            </button>
            <figcaption>
              {time(shot.capturedAt)} · {shot.trigger}
            </figcaption>
          </figure>
        ))}
      </div>
      {open !== undefined && shots[open] ? <Lightbox shots={shots} index={open} onMove={setOpen} onClose={() => setOpen(undefined)} /> : null}
    </div>
  );
}
