/** rev: bumped after every change on the Admin page, so the lists that depend on it reload. */
export interface AdminSync {
  rev: number;
  changed: () => void;
}
