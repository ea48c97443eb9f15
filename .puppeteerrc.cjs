// Puppeteer must not download its own browser (the network here cannot fetch it);
// tests drive the system Chromium instead (apt-get install chromium).
module.exports = {
  skipDownload: true,
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium',
};
