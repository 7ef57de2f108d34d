// The suite's real configuration, run on this fixture's features/ and steps/ (paths are relative to the cwd).
module.exports = require('../../../../cucumber.js');
