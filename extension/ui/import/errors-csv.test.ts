/** The errors CSV (Download errors (CSV) on the options page's import). */
import { describe, expect, it } from 'vitest';
import { csvCell, importErrorsCsv } from './errors-csv';

describe('import errors as CSV', () => {
  it('has a header, one line per error, CRLF line ends, and empty cells for a missing atsId', () => {
    const csv = importErrorsCsv([
      { row: 3, atsId: 'A-2', field: 'phone', message: 'phone: "12" is not a valid phone number.' },
      { row: 4, field: 'atsId', message: 'atsId is required.' },
    ]);
    expect(csv).toBe(['row,atsId,field,message', '3,A-2,phone,"phone: ""12"" is not a valid phone number."', '4,,atsId,atsId is required.', ''].join('\r\n'));
  });

  it('quotes commas, quotes and line breaks, and keeps other text as it is', () => {
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('Zoë Fischer')).toBe('Zoë Fischer');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r\nlf')).toBe('"cr\r\nlf"');
    expect(csvCell(12)).toBe('12');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell('')).toBe('');
  });

  it('never lets a cell start a spreadsheet formula', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1 555')).toBe("'+1 555");
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('@sum')).toBe("'@sum");
    expect(csvCell('10001')).toBe('10001');
  });

  it('an empty list is just the header', () => {
    expect(importErrorsCsv([])).toBe('row,atsId,field,message\r\n');
  });
});
