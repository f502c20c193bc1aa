"""Train a movie-review sentiment classifier with Keras.

Contains a bug dllint finds: the last `Dense(1)` has no activation, so the
model outputs logits, but it is compiled with `"binary_crossentropy"`, which
assumes probabilities (DL204). Keras clips the scores into (0, 1) and the
model stops learning.
"""
import argparse

from tensorflow import keras
from tensorflow.keras import layers

VOCABULARY = 20000
LENGTH = 200


def build_model():
    inputs = keras.Input(shape=(LENGTH,), dtype="int64")
    x = layers.Embedding(VOCABULARY, 64)(inputs)
    x = layers.Bidirectional(layers.LSTM(32))(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=VOCABULARY)
    x_train = keras.utils.pad_sequences(x_train, maxlen=LENGTH)
    x_test = keras.utils.pad_sequences(x_test, maxlen=LENGTH)
    model = build_model()
    model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_split=0.2)
    print(model.evaluate(x_test, y_test, verbose=0))


if __name__ == "__main__":
    main()
