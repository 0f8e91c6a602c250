/**
 * The applicant's name as the lobby board may show it: the family name, then initials ("Nguyễn
 * Văn An" → "Nguyễn V. A."). Organisations are shown the same way. Pure.
 */
export function maskName(fullName: string): string {
  const words = fullName.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '';
  const [first, ...rest] = words;
  return [first, ...rest.map((w) => `${[...w][0].toLocaleUpperCase('vi')}.`)].join(' ');
}
