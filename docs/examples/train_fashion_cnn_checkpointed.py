"""Train a small CNN on Fashion-MNIST with Keras, keeping the best checkpoint.

Contains a bug dllint finds: the test images are the `validation_data` that
`ModelCheckpoint(save_best_only=True)` chooses the checkpoint by (DL403), so
the test accuracy printed at the end belongs to the epoch that did best on
those very images.
"""
import argparse

from tensorflow import keras
from tensorflow.keras import layers


def build_model():
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
    ])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    x_train, x_test = x_train[..., None], x_test[..., None]

    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    checkpoint = keras.callbacks.ModelCheckpoint("fashion_best.keras", monitor="val_accuracy", save_best_only=True)
    model.fit(x_train, y_train, batch_size=128, epochs=args.epochs, validation_data=(x_test, y_test),
              callbacks=[checkpoint])

    best = keras.models.load_model("fashion_best.keras")
    print("test accuracy:", best.evaluate(x_test, y_test, verbose=0)[1])


if __name__ == "__main__":
    main()
