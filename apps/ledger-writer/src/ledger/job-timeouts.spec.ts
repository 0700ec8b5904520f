import { parseJobTimeouts } from './job-timeouts';

describe('parseJobTimeouts (JOB_TIMEOUTS)', () => {
  it('reads jobType=ms pairs, spaces and empty entries allowed', () => {
    expect(parseJobTimeouts(' nvd.sync=600000 , demo.echo=30000,,').timeouts).toEqual(new Map([['nvd.sync', 600_000], ['demo.echo', 30_000]]));
    expect(parseJobTimeouts('')).toEqual({ timeouts: new Map(), problems: [] });
  });

  it('names every bad entry: syntax, range, a job type twice', () => {
    const { problems } = parseJobTimeouts('demo.echo,=5,a~b=2000,x=999,y=86400001,z=1000,z=2000,w=-1');
    expect(problems).toEqual([
      '"demo.echo" is not jobType=milliseconds',
      '"=5" is not jobType=milliseconds',
      '"a~b=2000" is not jobType=milliseconds',
      'x: 999 ms is outside 1000–86400000',
      'y: 86400001 ms is outside 1000–86400000',
      'z is given twice',
      '"w=-1" is not jobType=milliseconds',
    ]);
  });
});
