package dev.milvusupgrade.nativeimage;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/** The product's compiled classes (no tests), imported once for the native checks of this package. */
final class ProductClasses {

    static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.milvusupgrade");

    private ProductClasses() {
    }
}
