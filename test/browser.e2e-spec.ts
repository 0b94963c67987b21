import { join } from 'node:path';
import { describeFiles } from './utils/folder';

describeFiles(join(__dirname, 'browser'));
