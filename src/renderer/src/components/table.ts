// Column description for DataTable.vue.
export interface Column<R> {
  key: string
  label: string
  align?: 'left' | 'right' | 'center'
  /** right-aligned with tabular figures */
  numeric?: boolean
  title?: string
  /** makes the header a sort button */
  sort?: (row: R) => number | string
  /** extra class on the cells */
  class?: string
}
