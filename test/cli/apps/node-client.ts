// A plain Node client for the runner tests: GETs the URL in argv with node:http (absolute-form through HTTP_PROXY) and prints the body.
import { get } from 'node:http';

const url = process.argv[2] ?? '';
get(url, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => { body += c; });
  res.on('end', () => {
    console.log(`${res.statusCode ?? 0} ${body}`);
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
}).on('error', (err) => {
  console.log(`error ${err.message}`);
  process.exit(1);
});
