/** `{name}` templates with React nodes as values (a <strong> or a link inside a translated sentence). */
import { Fragment, type ReactNode } from 'react';
import { formatParts } from '@/lib/i18n';

export function richText(template: string, params: Record<string, ReactNode>): ReactNode {
  return formatParts<ReactNode>(template, params).map((part, i) => <Fragment key={i}>{part}</Fragment>);
}
