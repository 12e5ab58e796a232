/**
 * Saves text as a file through a temporary link to a Blob URL: a browser downloads it, and
 * Electron shows its save dialog. The URL is revoked once the click has been dispatched.
 */
export function downloadText(filename: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.appendChild(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Revoking at once can cancel the download in some engines; give it a tick.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
