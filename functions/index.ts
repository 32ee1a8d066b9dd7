// Loads every function so each registers itself; the Functions runtime also loads each file by the `main` glob.
import './health-get';
import './config-get';
import './sessions-create';
import './sessions-list';
import './sessions-get';
import './sessions-update';
import './sessions-cancel';
